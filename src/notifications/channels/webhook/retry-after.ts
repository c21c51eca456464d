/** The longest a provider's `Retry-After` may hold a message back (a misbehaving endpoint must not park it for days). */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * Milliseconds a `Retry-After` header asks to wait: delay-seconds (`120`) or an HTTP-date
 * measured from `now`; capped at {@link MAX_RETRY_AFTER_MS}. Answers null when the header is
 * absent or unreadable. Never throws.
 */
export function retryAfterMs(header: string | null | undefined, now: Date): number | null {
  if (!header) return null;
  const text = header.trim();
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return null;
    ms = at - now.getTime();
  }
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}
