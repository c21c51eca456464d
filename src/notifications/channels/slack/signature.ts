import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a request's `X-Slack-Request-Timestamp` may be from now, either way (Slack's own rule: 5 minutes). */
export const SLACK_TIMESTAMP_TOLERANCE_MS = 5 * 60_000;

/** `v0=` and the hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` keyed by the signing secret. */
export function slackSignature(signingSecret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** Whether `signature` is the one `signingSecret` makes over `timestamp` and `rawBody`, compared in constant time. Never throws. */
export function signedWith(signingSecret: string, timestamp: string, rawBody: string, signature: string): boolean {
  const expected = Buffer.from(slackSignature(signingSecret, timestamp, rawBody), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Whether a request stamped `timestampSeconds` is within the tolerance of `now` (neither stale nor from the future). */
export function freshTimestamp(timestampSeconds: number, now: Date): boolean {
  return Math.abs(now.getTime() - timestampSeconds * 1000) <= SLACK_TIMESTAMP_TOLERANCE_MS;
}
