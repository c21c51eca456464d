import { invalidField } from '../../../errors.ts';
import { isKnownTimeZone } from '../../../schedules/time-zone.ts';

/** An IANA zone name: `UTC`, `Europe/Berlin`, `America/Argentina/Buenos_Aires`, `Etc/GMT+5` (not a bare offset). */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/**
 * Checks that `value` names an IANA time zone this runtime knows and returns its canonical
 * spelling (case fixed; aliases such as `Asia/Calcutta` are kept as written). Throws a 400
 * naming `where` otherwise. There is deliberately no fallback to the server's local zone.
 */
export function parseTimeZone(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalidField(where, 'must be an IANA time zone name, e.g. Europe/Berlin');
  if (!ZONE_NAME.test(value)) throw invalidField(where, `"${value}" is not an IANA time zone name, e.g. Europe/Berlin`);
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    throw invalidField(where, `unknown time zone "${value}"; use an IANA name, e.g. Europe/Berlin`);
  }
  if (!isKnownTimeZone(value)) throw invalidField(where, `unknown time zone "${value}"; use an IANA name, e.g. Europe/Berlin`);
  return resolved.toLowerCase() === value.toLowerCase() ? resolved : value;
}
