/** Provider calls per message before a temporary failure counts as final. */
export const MAX_SEND_ATTEMPTS = 10;

const BASE_MS = 5_000;
const CAP_MS = 120_000;

/**
 * How long to wait before attempt `attempt + 1` after a temporary failure: 5 s doubling up to
 * 2 min, with ±20 % jitter so messages failed together do not all come back at once, and never
 * sooner than the provider's `Retry-After`.
 */
export function retryDelayMs(attempt: number, retryAfterMs: number | null, random: () => number = Math.random): number {
  const base = Math.min(CAP_MS, BASE_MS * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(base * (0.8 + 0.4 * random()));
  return Math.max(jittered, retryAfterMs ?? 0);
}
