import { newId } from '../../storage/ids.ts';
import type { Clock } from '../../storage/clock.ts';
import type { Db } from '../../storage/database.ts';
import type { Ingest, InboundTrigger } from '../ingest.ts';
import { findIntegration, type Integration } from '../integration.ts';
import { normalizeAlertEvent, type TriggerEvent } from './alert-event.ts';
import { normalizeChangeEvent } from './change-event.ts';
import { insertChangeEvent } from './change-event-store.ts';
import { wellFormedRoutingKey } from './event-fields.ts';
import { InvalidEventError } from './invalid-event.ts';

/** What applying PagerDuty events needs. */
export interface EnqueueDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly ingest: Ingest;
}

// The key itself is never repeated in an answer or a log line.
const UNKNOWN_ROUTING_KEY = "Invalid routing key: 'routing_key' is not the key of an enabled PagerDuty Events API v2 integration";

/**
 * Applies one Events API v2 alert event (`POST /v2/enqueue`) and returns its dedup key
 * (the generated one for a trigger sent without one). A trigger opens an alert (or an
 * incident, as the integration says) or folds into the open one with that dedup key
 * from the same integration; acknowledge and resolve apply to that open item and are
 * accepted, changing nothing, when there is none. Resolves once the change is
 * committed. Throws {@link InvalidEventError} with every problem, having written
 * nothing, for an invalid event or a routing key that is unknown, disabled or of
 * another integration type.
 */
export async function enqueueAlertEvent(deps: EnqueueDeps, body: unknown): Promise<{ dedupKey: string }> {
  const parsed = normalizeAlertEvent(body);
  const integration = await lookUp(deps, body, parsed.ok ? [] : parsed.errors);
  if (!parsed.ok) throw new InvalidEventError(parsed.errors);
  const e = parsed.event;
  if (e.kind === 'trigger') {
    const dedupKey = e.dedupKey ?? newId();
    await deps.ingest.trigger(integration, toInboundTrigger(e, dedupKey));
    return { dedupKey };
  }
  await deps.ingest.followUp(integration, e.dedupKey, e.kind);
  return { dedupKey: e.dedupKey };
}

/**
 * Stores one Events API v2 change event (`POST /v2/change/enqueue`); resolves once it
 * is committed. Throws {@link InvalidEventError} as {@link enqueueAlertEvent} does.
 */
export async function enqueueChangeEvent(deps: EnqueueDeps, body: unknown): Promise<void> {
  const parsed = normalizeChangeEvent(body);
  const integration = await lookUp(deps, body, parsed.ok ? [] : parsed.errors);
  if (!parsed.ok) throw new InvalidEventError(parsed.errors);
  await insertChangeEvent(deps.db, integration, parsed.event, deps.clock.now());
}

/**
 * The integration of a well-formed routing key, looked up even when the event has
 * other problems so that all are reported at once. Adds to `errors` and throws when
 * the key is unknown, disabled or of another integration type.
 */
async function lookUp(deps: EnqueueDeps, body: unknown, errors: string[]): Promise<Integration> {
  const key = wellFormedRoutingKey(body);
  const integration = key === null ? null : await findIntegration(deps.db, key, ['pagerduty-events-v2']);
  if (key !== null && integration === null) errors.push(UNKNOWN_ROUTING_KEY);
  if (integration === null || errors.length > 0) throw new InvalidEventError(errors);
  return integration;
}

/** Title = summary; the severity word maps to a severity; the rest of the event is kept in custom fields. */
function toInboundTrigger(e: TriggerEvent, dedupKey: string): InboundTrigger {
  const p = e.payload;
  const customFields: Record<string, unknown> = { source: p.source };
  if (p.component !== undefined) customFields.component = p.component;
  if (p.group !== undefined) customFields.group = p.group;
  if (p.class !== undefined) customFields.class = p.class;
  if (p.customDetails !== undefined) customFields.custom_details = p.customDetails;
  if (p.timestamp !== undefined) customFields.timestamp = p.timestamp.toISOString();
  if (e.client !== undefined) customFields.client = e.client;
  if (e.clientUrl !== undefined) customFields.client_url = e.clientUrl;
  if (e.images.length > 0) customFields.images = e.images;
  return {
    dedupKey,
    title: p.summary,
    severity: p.severity,
    customFields,
    links: e.links.map((l) => ({ href: l.href, text: l.text ?? null })),
  };
}
