import {
  isObject,
  links,
  optionalDetails,
  optionalString,
  optionalTimestamp,
  requiredString,
  routingKey,
  MAX_SUMMARY_LENGTH,
  type EventLink,
  type Normalized,
} from './event-fields.ts';

/** A change event of PagerDuty's Events API v2 (`POST /v2/change/enqueue`), cleaned. */
export interface ChangeEvent {
  readonly routingKey: string;
  readonly summary: string;
  readonly source?: string;
  /** When the change happened, as reported. */
  readonly timestamp?: Date;
  readonly customDetails?: unknown;
  readonly links: readonly EventLink[];
}

/**
 * Validates a parsed JSON body as a change event and returns a cleaned copy, or every
 * problem at once, each naming its field. Unknown fields are ignored. Does not look the
 * routing key up.
 */
export function normalizeChangeEvent(body: unknown): Normalized<ChangeEvent> {
  if (!isObject(body)) return { ok: false, errors: ['Event must be a JSON object'] };
  const errors: string[] = [];
  const key = routingKey(body, errors);
  const p = body.payload;
  let summary: string | null = null;
  let source: string | undefined;
  let timestamp: Date | undefined;
  let customDetails: unknown;
  if (p === undefined || p === null) errors.push("'payload' is missing");
  else if (!isObject(p)) errors.push("'payload' must be an object");
  else {
    summary = requiredString(p, 'summary', 'payload.summary', errors, MAX_SUMMARY_LENGTH);
    source = optionalString(p, 'source', 'payload.source', errors);
    timestamp = optionalTimestamp(p, 'timestamp', 'payload.timestamp', errors);
    customDetails = optionalDetails(p, 'custom_details', 'payload.custom_details', errors);
  }
  const eventLinks = links(body, errors);
  if (errors.length > 0 || key === null || summary === null) return { ok: false, errors };
  return {
    ok: true,
    event: {
      routingKey: key,
      summary,
      ...(source !== undefined ? { source } : {}),
      ...(timestamp !== undefined ? { timestamp } : {}),
      ...(customDetails !== undefined ? { customDetails } : {}),
      links: eventLinks,
    },
  };
}
