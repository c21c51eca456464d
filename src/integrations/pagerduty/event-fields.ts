import { isStorableJson } from '../storable-json.ts';
import { isStorableText } from '../storable-text.ts';

/**
 * Field checks shared by PagerDuty's alert events and change events. Each check reads
 * one field of a parsed JSON body, records a message naming the field when it is wrong
 * (PagerDuty's style: the field in single quotes), and returns the cleaned value, so a
 * caller collects every problem of an event at once.
 */

/** PagerDuty integration keys are 32 characters; so are Vigil's routing keys. */
export const ROUTING_KEY_LENGTH = 32;
export const MAX_SUMMARY_LENGTH = 1024;

/** The cleaned event, or every problem found in it (never both). */
export type Normalized<T> = { readonly ok: true; readonly event: T } | { readonly ok: false; readonly errors: string[] };

/** A JSON object (not an array, not null). */
export type JsonObject = Record<string, unknown>;

/** A link as PagerDuty takes it and as Vigil stores it on alerts, incidents and change events. */
export interface EventLink {
  readonly href: string;
  readonly text?: string;
}

/** An image attached to an alert event (kept in the item's custom fields). */
export interface EventImage {
  readonly src: string;
  readonly href?: string;
  readonly alt?: string;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isBlank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

/** `routing_key`: required, a string of 32 characters. Never echoes the key itself. */
export function routingKey(body: JsonObject, errors: string[]): string | null {
  const v = body.routing_key;
  if (isBlank(v)) {
    errors.push("'routing_key' is missing or blank");
    return null;
  }
  if (typeof v !== 'string') {
    errors.push("'routing_key' must be a string");
    return null;
  }
  if (v.length !== ROUTING_KEY_LENGTH) {
    errors.push(`Length of 'routing_key' is incorrect (should be ${ROUTING_KEY_LENGTH} characters)`);
    return null;
  }
  return v;
}

/** A required, non-blank string of at most `max` characters. */
export function requiredString(obj: JsonObject, key: string, path: string, errors: string[], max?: number): string | null {
  const v = obj[key];
  if (isBlank(v)) {
    errors.push(`'${path}' is missing or blank`);
    return null;
  }
  return checkString(v, path, errors, max);
}

/** An optional string: absent or null gives `undefined`. */
export function optionalString(obj: JsonObject, key: string, path: string, errors: string[], max?: number): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  return checkString(v, path, errors, max) ?? undefined;
}

function checkString(v: unknown, path: string, errors: string[], max?: number): string | null {
  if (typeof v !== 'string') {
    errors.push(`'${path}' must be a string`);
    return null;
  }
  if (max !== undefined && v.length > max) {
    errors.push(`Length of '${path}' is ${v.length} characters; the maximum permitted length is ${max}`);
    return null;
  }
  if (!isStorableText(v)) {
    errors.push(`'${path}' ${UNSTORABLE}`);
    return null;
  }
  return v;
}

const UNSTORABLE = 'must not contain NUL characters or unpaired UTF-16 surrogates';

/**
 * An optional free-form JSON value (`custom_details`): documented as an object, kept as
 * sent whatever its type. Absent or null gives `undefined`.
 */
export function optionalDetails(obj: JsonObject, key: string, path: string, errors: string[]): unknown {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (!isStorableJson(v)) {
    errors.push(`'${path}' ${UNSTORABLE} (in a key or a value)`);
    return undefined;
  }
  return v;
}

// ISO 8601 date-time with a zone: 2015-07-17T08:42:58.315+0000, ...+00:00 or ...Z.
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)$/i;

/**
 * An optional ISO 8601 timestamp with a time zone (PagerDuty's example form
 * `2015-07-17T08:42:58.315+0000` included), as an instant.
 */
export function optionalTimestamp(obj: JsonObject, key: string, path: string, errors: string[]): Date | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  const at = typeof v === 'string' ? parseIsoDateTime(v.trim()) : null;
  if (!at) errors.push(`'${path}' must be an ISO 8601 date-time with a time zone, e.g. 2015-07-17T08:42:58.315+0000`);
  return at ?? undefined;
}

function parseIsoDateTime(text: string): Date | null {
  const m = ISO_DATE_TIME.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const second = Number(m[6] ?? 0);
  const ms = Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3));
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return null;
  const zone = m[8]!.toUpperCase();
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const [oh, om] = [Number(digits.slice(0, 2)), Number(digits.slice(2, 4) || 0)];
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes * 60_000);
}

/** `links`: an optional array of `{href, text?}`. */
export function links(body: JsonObject, errors: string[]): EventLink[] {
  return optionalArray(body, 'links', errors, (item, path) => {
    const href = requiredString(item, 'href', `${path}.href`, errors);
    const text = optionalString(item, 'text', `${path}.text`, errors);
    return href === null ? null : { href, ...(text !== undefined ? { text } : {}) };
  });
}

/** `images`: an optional array of `{src, href?, alt?}`. */
export function images(body: JsonObject, errors: string[]): EventImage[] {
  return optionalArray(body, 'images', errors, (item, path) => {
    const src = requiredString(item, 'src', `${path}.src`, errors);
    const href = optionalString(item, 'href', `${path}.href`, errors);
    const alt = optionalString(item, 'alt', `${path}.alt`, errors);
    return src === null ? null : { src, ...(href !== undefined ? { href } : {}), ...(alt !== undefined ? { alt } : {}) };
  });
}

function optionalArray<T>(body: JsonObject, key: string, errors: string[], each: (item: JsonObject, path: string) => T | null): T[] {
  const v = body[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    errors.push(`'${key}' must be an array of objects`);
    return [];
  }
  const out: T[] = [];
  v.forEach((item, i) => {
    const path = `${key}[${i}]`;
    if (!isObject(item)) {
      errors.push(`'${path}' must be an object`);
      return;
    }
    const cleaned = each(item, path);
    if (cleaned !== null) out.push(cleaned);
  });
  return out;
}

/** The body's routing key if it is well formed (see {@link routingKey}), else `null`; records nothing. */
export function wellFormedRoutingKey(body: unknown): string | null {
  return isObject(body) ? routingKey(body, []) : null;
}
