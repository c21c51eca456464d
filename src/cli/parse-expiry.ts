const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Reads `--expires`: an ISO 8601 date-time, or a duration from `now` such as `90d`,
 * `12h`, `30m`, `2w`. Returns an ISO string, or throws a message naming the option.
 */
export function parseExpiry(value: string, now: Date): string {
  const m = /^(\d+)([mhdw])$/.exec(value.trim());
  if (m) return new Date(now.getTime() + Number(m[1]) * UNITS[m[2]!]!).toISOString();
  const d = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(d.getTime())) {
    throw new Error('--expires: must be an ISO date-time (2027-01-31T00:00:00Z) or a duration such as 90d, 12h, 2w');
  }
  if (d.getTime() <= now.getTime()) throw new Error('--expires: must be in the future');
  return d.toISOString();
}
