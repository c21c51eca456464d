import {
  images,
  isObject,
  links,
  optionalDetails,
  optionalString,
  optionalTimestamp,
  requiredString,
  routingKey,
  MAX_SUMMARY_LENGTH,
  type EventImage,
  type EventLink,
  type JsonObject,
  type Normalized,
} from './event-fields.ts';

export const EVENT_ACTIONS = ['trigger', 'acknowledge', 'resolve'] as const;
export type EventAction = (typeof EVENT_ACTIONS)[number];

export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const MAX_DEDUP_KEY_LENGTH = 255;

/** A trigger event of PagerDuty's Events API v2 (`POST /v2/enqueue`), cleaned. */
export interface TriggerEvent {
  readonly kind: 'trigger';
  readonly routingKey: string;
  /** `null` when the sender gave none: a new key is generated for it. */
  readonly dedupKey: string | null;
  readonly payload: {
    readonly summary: string;
    readonly source: string;
    readonly severity: Severity;
    readonly timestamp?: Date;
    readonly component?: string;
    readonly group?: string;
    readonly class?: string;
    readonly customDetails?: unknown;
  };
  readonly links: readonly EventLink[];
  readonly images: readonly EventImage[];
  readonly client?: string;
  readonly clientUrl?: string;
}

/** An acknowledge or resolve event: it names the alert by its dedup key. */
export interface FollowUpEvent {
  readonly kind: 'acknowledge' | 'resolve';
  readonly routingKey: string;
  readonly dedupKey: string;
}

export type AlertEvent = TriggerEvent | FollowUpEvent;

/**
 * Validates a parsed JSON body as an Events API v2 alert event and returns a cleaned
 * copy, or every problem at once, each naming its field. Unknown fields are ignored, as
 * PagerDuty does; the payload of an acknowledge or resolve event is not read. Does not
 * look the routing key up.
 */
export function normalizeAlertEvent(body: unknown): Normalized<AlertEvent> {
  if (!isObject(body)) return { ok: false, errors: ['Event must be a JSON object'] };
  const errors: string[] = [];
  const key = routingKey(body, errors);
  const action = eventAction(body, errors);
  const before = errors.length;
  const dedupKey = optionalString(body, 'dedup_key', 'dedup_key', errors, MAX_DEDUP_KEY_LENGTH);
  const dedupKeyWellFormed = errors.length === before;
  const given = dedupKey !== undefined && dedupKey.trim() !== '' ? dedupKey : null;

  if (action === 'acknowledge' || action === 'resolve') {
    if (given === null && dedupKeyWellFormed) errors.push(`'dedup_key' is missing or blank; it is required for ${action} events`);
    if (errors.length > 0 || key === null || given === null) return { ok: false, errors };
    return { ok: true, event: { kind: action, routingKey: key, dedupKey: given } };
  }

  // A trigger, or an event whose action is wrong: check the rest too, so that every
  // problem is reported at once.
  const payload = action === 'trigger' || body.payload !== undefined ? triggerPayload(body, errors) : null;
  const eventLinks = links(body, errors);
  const eventImages = images(body, errors);
  const client = optionalString(body, 'client', 'client', errors);
  const clientUrl = optionalString(body, 'client_url', 'client_url', errors);
  if (errors.length > 0 || key === null || action !== 'trigger' || payload === null) return { ok: false, errors };
  return {
    ok: true,
    event: {
      kind: 'trigger',
      routingKey: key,
      dedupKey: given,
      payload,
      links: eventLinks,
      images: eventImages,
      ...(client !== undefined ? { client } : {}),
      ...(clientUrl !== undefined ? { clientUrl } : {}),
    },
  };
}

function eventAction(body: JsonObject, errors: string[]): EventAction | null {
  const v = body.event_action;
  if (v === undefined || v === null || v === '') {
    errors.push("'event_action' is missing or blank");
    return null;
  }
  if (typeof v !== 'string' || !(EVENT_ACTIONS as readonly string[]).includes(v)) {
    errors.push(`'event_action' must be one of ${EVENT_ACTIONS.join(', ')}`);
    return null;
  }
  return v as EventAction;
}

function triggerPayload(body: JsonObject, errors: string[]): TriggerEvent['payload'] | null {
  const p = body.payload;
  if (p === undefined || p === null) {
    errors.push("'payload' is missing; it is required for trigger events");
    return null;
  }
  if (!isObject(p)) {
    errors.push("'payload' must be an object");
    return null;
  }
  const summary = requiredString(p, 'summary', 'payload.summary', errors, MAX_SUMMARY_LENGTH);
  const source = requiredString(p, 'source', 'payload.source', errors);
  const severity = payloadSeverity(p, errors);
  const timestamp = optionalTimestamp(p, 'timestamp', 'payload.timestamp', errors);
  const component = optionalString(p, 'component', 'payload.component', errors);
  const group = optionalString(p, 'group', 'payload.group', errors);
  const klass = optionalString(p, 'class', 'payload.class', errors);
  const customDetails = optionalDetails(p, 'custom_details', 'payload.custom_details', errors);
  if (summary === null || source === null || severity === null) return null;
  return {
    summary,
    source,
    severity,
    ...(timestamp !== undefined ? { timestamp } : {}),
    ...(component !== undefined ? { component } : {}),
    ...(group !== undefined ? { group } : {}),
    ...(klass !== undefined ? { class: klass } : {}),
    ...(customDetails !== undefined ? { customDetails } : {}),
  };
}

function payloadSeverity(p: JsonObject, errors: string[]): Severity | null {
  const v = p.severity;
  if (v === undefined || v === null || v === '') {
    errors.push("'payload.severity' is missing or blank");
    return null;
  }
  if (typeof v !== 'string' || !(SEVERITIES as readonly string[]).includes(v)) {
    errors.push(`'payload.severity' must be one of ${SEVERITIES.join(', ')}`);
    return null;
  }
  return v as Severity;
}
