import { newId } from '../../storage/ids.ts';
import type { InboundEvent } from '../ingest.ts';
import type { GenericEvent } from './webhook-event.ts';

/**
 * The inbound event a generic webhook call asks for, with its dedup key: the one given,
 * or a new one for a trigger without one. The summary is the title; text details are the
 * description, object details are kept as custom fields (and shown as JSON text). The
 * severity word is kept as sent, even when no severity matches it.
 */
export function genericInboundEvent(e: GenericEvent): { readonly dedupKey: string; readonly event: InboundEvent } {
  const dedupKey = e.dedupKey ?? newId();
  if (e.action !== 'trigger') return { dedupKey, event: { action: e.action, dedupKey } };
  const details = e.details;
  return {
    dedupKey,
    event: {
      action: 'trigger',
      trigger: {
        dedupKey,
        title: e.summary!,
        description: details === undefined ? null : typeof details === 'string' ? details : JSON.stringify(details, null, 2),
        severity: e.severity ?? null,
        customFields: {
          ...(details !== undefined && typeof details !== 'string' ? { details } : {}),
          ...(e.severity !== undefined ? { severity: e.severity } : {}),
        },
      },
    },
  };
}
