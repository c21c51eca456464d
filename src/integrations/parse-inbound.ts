import type { z } from 'zod';
import { AppError } from '../errors.ts';

/**
 * Validates an inbound body against its schema and returns the parsed value, or throws
 * one 400 `AppError` that names every bad field at once, e.g.
 * `alerts[0].startsAt: is required; version: must be "4"`. Never echoes input values.
 */
export function parseInbound<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (body === undefined || body === null) throw new AppError(400, 'body: is required; send a JSON object');
  if (typeof body !== 'object' || Array.isArray(body)) throw new AppError(400, 'body: must be a JSON object');
  // reportInput tells a missing field from a wrong one; input values never reach the message.
  const res = schema.safeParse(body, { reportInput: true });
  if (res.success) return res.data;
  throw new AppError(400, describeIssues(res.error.issues).join('; '));
}

/** Most problems named in one answer; the rest are counted. */
const MAX_LISTED = 25;

/** One `path: problem` line per issue, in the order found (at most 25, then "... and N more problems"). */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const lines = issues.slice(0, MAX_LISTED).map((iss) => `${fieldPath(iss.path) || 'body'}: ${problem(iss)}`);
  if (issues.length > MAX_LISTED) lines.push(`... and ${issues.length - MAX_LISTED} more problems`);
  return lines;
}

function problem(iss: z.core.$ZodIssue): string {
  const missing = iss.input === undefined && (iss.code === 'invalid_type' || iss.code === 'invalid_value');
  if (missing) return 'is required';
  // Messages the schemas spell out themselves ("must be ...", "is required to ...") stand as written.
  if (/^(must|is) /.test(iss.message)) return iss.message;
  switch (iss.code) {
    case 'invalid_type':
      return `must be ${withArticle(iss.expected)}`;
    case 'invalid_value':
      return iss.values.length === 1
        ? `must be ${JSON.stringify(iss.values[0])}`
        : `must be one of ${iss.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_key':
      return `has an invalid key: ${iss.issues.map((i) => i.message).join(', ')}`;
    case 'unrecognized_keys':
      return `unknown field${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'too_big':
      return `must be at most ${iss.maximum}${UNITS[iss.origin] ?? ''}`;
    case 'too_small':
      return `must be at least ${iss.minimum}${UNITS[iss.origin] ?? ''}`;
    default:
      return iss.message;
  }
}

const UNITS: Record<string, string> = { string: ' characters', array: ' items', set: ' items' };

function withArticle(type: string): string {
  const name = type === 'record' ? 'object' : type;
  return /^[aeiou]/.test(name) ? `an ${name}` : `a ${name}`;
}

/** `alerts[0].labels.severity`; keys that are not plain names are quoted: `labels["a.b"]`. */
function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (typeof p === 'string' && /^[A-Za-z_$][\w$]*$/.test(p)) out += out ? `.${p}` : p;
    else out += `[${JSON.stringify(String(p))}]`;
  }
  return out;
}
