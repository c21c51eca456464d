import { invalidField } from '../errors.ts';
import { isArrayKind, type Field } from './column.ts';

/**
 * OneUptime clients may wrap plain values in typed objects, e.g.
 * `{"_type":"ObjectID","value":"…"}`. These are the wrapper types accepted as the value
 * they hold. Structured JSON types (such as `Recurring`) are not wrappers and are kept.
 */
export const VALUE_WRAPPER_TYPES = [
  'ObjectID',
  'DateTime',
  'Date',
  'Email',
  'Phone',
  'Name',
  'Text',
  'Color',
  'Decimal',
  'PositiveNumber',
  'URL',
  'Hostname',
  'Domain',
  'IP',
  'Port',
  'Version',
  'Route',
  'Permission',
] as const;
const VALUE_WRAPPERS: ReadonlySet<string> = new Set(VALUE_WRAPPER_TYPES);

/** Returns the plain value inside a value wrapper, or the value itself. */
export function unwrap(value: unknown): unknown {
  let v = value;
  while (isWrapper(v)) v = (v as { value: unknown }).value;
  return v;
}

export function isWrapper(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { _type?: unknown })._type === 'string' &&
    VALUE_WRAPPERS.has((value as { _type: string })._type) &&
    'value' in value
  );
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_RE.test(value);
}

/**
 * Checks one scalar value against a field's type and returns it as SQL wants it
 * (lower-case uuids, `Date`s, canonical enum spellings). `where` names the place in
 * the request for the error message. Throws a 400 naming the field.
 */
export function coerceScalar(field: Field, raw: unknown, where: string): unknown {
  const value = unwrap(raw);
  const fail = (problem: string) => invalidField(where, problem);
  switch (field.kind) {
    case 'uuid':
    case 'uuidArray':
      if (!isUuid(value)) throw fail('must be a UUID');
      return value.toLowerCase();
    case 'text':
    case 'longText':
    case 'textArray':
      if (typeof value !== 'string') throw fail('must be a string');
      if (field.kind === 'textArray' && field.values && !field.values.includes(value)) {
        throw fail(`must each be one of: ${field.values.join(', ')}`);
      }
      return value;
    case 'email':
      if (typeof value !== 'string') throw fail('must be a string');
      return value;
    case 'enum': {
      if (typeof value !== 'string') throw fail('must be a string');
      const canonical = field.aliases?.[value] ?? value;
      if (!field.values?.includes(canonical)) throw fail(`must be one of: ${field.values?.join(', ')}`);
      return canonical;
    }
    case 'boolean':
      if (typeof value !== 'boolean') throw fail('must be true or false');
      return value;
    case 'integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw fail('must be a whole number');
      return value;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw fail('must be a number');
      return value;
    case 'date': {
      if (typeof value !== 'string' && typeof value !== 'number') throw fail('must be an ISO 8601 date-time');
      const d = new Date(value);
      if (Number.isNaN(d.getTime())) throw fail('must be an ISO 8601 date-time');
      return d;
    }
    case 'json':
      return value;
  }
}

/** Like {@link coerceScalar} for a whole value to be stored (arrays item by item, limits enforced). */
export function coerceForWrite(field: Field, raw: unknown, where: string): unknown {
  const value = unwrap(raw);
  if (value === null) {
    if (field.required) throw invalidField(where, 'must not be null');
    return null;
  }
  if (isArrayKind(field.kind)) {
    if (!Array.isArray(value)) throw invalidField(where, 'must be an array');
    const items = value.map((v, i) => coerceScalar(field, v, `${where}[${i}]`));
    return [...new Set(items)];
  }
  if (field.kind === 'json') {
    if (typeof value !== 'object') throw invalidField(where, 'must be a JSON object or array');
    return JSON.stringify(value);
  }
  const v = coerceScalar(field, value, where);
  if (typeof v === 'string') {
    if (field.kind !== 'uuid' && field.kind !== 'enum' && v.trim() === '' && field.required) {
      throw invalidField(where, 'must not be empty');
    }
    if (field.maxLength !== undefined && v.length > field.maxLength) {
      throw invalidField(where, `must be at most ${field.maxLength} characters`);
    }
    if (field.kind === 'email' && !EMAIL_RE.test(v)) throw invalidField(where, 'must be an email address');
  }
  if (typeof v === 'number') {
    if (field.min !== undefined && v < field.min) throw invalidField(where, `must be at least ${field.min}`);
    if (field.max !== undefined && v > field.max) throw invalidField(where, `must be at most ${field.max}`);
  }
  return v;
}
