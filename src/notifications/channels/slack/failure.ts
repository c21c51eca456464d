import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError } from '@slack/web-api';
import { PermanentFailure, TemporaryFailure } from '../channel.ts';

/** Platform errors that mean the destination is gone or the app cannot post there. */
const CHANNEL_GONE = new Set(['channel_not_found', 'not_in_channel', 'is_archived']);
/** Platform errors that mean the app's token or scopes are wrong: an administrator must fix the setup. */
const NOT_CONFIGURED = new Set(['invalid_auth', 'not_authed', 'missing_scope', 'account_inactive', 'token_revoked', 'token_expired']);
/** Platform errors Slack says are worth trying again. */
const TRANSIENT = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/**
 * What a Web API error means for the sender: a {@link TemporaryFailure} (429 with its
 * `Retry-After`, 5xx, a transient platform error, a connection error or timeout) or a
 * {@link PermanentFailure} with its reason (`CHANNEL_NOT_FOUND`, `NOT_CONFIGURED`, else
 * `CLIENT_ERROR`). The message names Slack's error code, never the token.
 */
export function slackFailure(err: unknown): TemporaryFailure | PermanentFailure {
  if (err instanceof WebAPIRateLimitedError) {
    return new TemporaryFailure(`Slack is rate limiting (Retry-After: ${err.retryAfter} s)`, Math.max(0, err.retryAfter) * 1000);
  }
  if (err instanceof WebAPIPlatformError) {
    const code = safeCode(err.data?.error);
    if (CHANNEL_GONE.has(code)) return new PermanentFailure(`Slack answered ${code}: the channel does not exist or the app is not in it`, 'CHANNEL_NOT_FOUND');
    if (NOT_CONFIGURED.has(code)) return new PermanentFailure(`Slack answered ${code}: the Slack app's token or scopes need fixing`, 'NOT_CONFIGURED');
    if (TRANSIENT.has(code)) return new TemporaryFailure(`Slack answered ${code}`);
    return new PermanentFailure(`Slack answered ${code}`, 'CLIENT_ERROR');
  }
  if (err instanceof WebAPIHTTPError) {
    if (err.statusCode >= 500 || err.statusCode === 408) return new TemporaryFailure(`Slack answered HTTP ${err.statusCode}`);
    return new PermanentFailure(`Slack answered HTTP ${err.statusCode}`, 'CLIENT_ERROR');
  }
  if (err instanceof WebAPIRequestError) {
    const original = err.original as (Error & { cause?: { code?: string } }) | undefined;
    const timedOut = original?.name === 'TimeoutError' || original?.name === 'AbortError';
    const code = original?.cause?.code;
    return new TemporaryFailure(timedOut ? 'Slack did not answer in time' : `could not reach Slack${code ? ` (${code})` : ''}`);
  }
  return new TemporaryFailure(`Slack call failed: ${err instanceof Error ? err.message : String(err)}`);
}

/** Slack's error code when it looks like one, else `unknown_error` (never echoes arbitrary text). */
function safeCode(code: unknown): string {
  return typeof code === 'string' && /^[\w.-]{1,80}$/.test(code) ? code : 'unknown_error';
}
