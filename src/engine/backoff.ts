/** The first retry waits this long; each later one twice as long as the one before. */
export const FIRST_RETRY_MS = 1_000;
/** No retry waits longer than this. */
export const MAX_RETRY_MS = 5 * 60_000;

/**
 * How long to wait before the next attempt after `failures` failed attempts (1 or more):
 * 1 s, 2 s, 4 s, … capped at 5 minutes.
 */
export function retryDelayMs(failures: number): number {
  const exponent = Math.max(0, Math.min(failures - 1, 30));
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** exponent);
}
