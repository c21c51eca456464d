import { PermanentFailure, TemporaryFailure, type Channel, type ChannelContext, type OutgoingMessage, type SendOutcome } from '../channel.ts';
import { checkDestination } from '../webhook/address-guard.ts';
import { retryAfterMs } from '../webhook/retry-after.ts';
import { teamsEnvelope } from './adaptive-card.ts';

/** The header a Power Automate trigger names its run in, when it does. */
const RUN_ID_HEADER = 'x-ms-workflow-run-id';

/**
 * Microsoft Teams through a Power Automate Workflows webhook ("When a Teams webhook request
 * is received"; the retired O365 connectors are not supported). The Workflows URL is the
 * destination's sealed secret: its `sig` query parameter is the credential, so the URL never
 * appears in a log, an error or a row (the contact's address is only a display name). The URL
 * passes the same address guard as outgoing webhooks.
 *
 * Outcomes: any 2xx → Sent (the flow runs asynchronously: its own failures show only in its
 * run history); 408, 429, 5xx, timeouts and connection errors → retried (honouring
 * `Retry-After`); 404 → Failed `CHANNEL_NOT_FOUND`; 3xx and other 4xx (a wrong `sig` is 401)
 * → Failed `CLIENT_ERROR`; no URL → Failed `NOT_CONFIGURED`.
 */
export const teamsChannel: Channel = {
  method: 'teams',
  medium: 'MICROSOFT_TEAMS',
  contactKind: 'teams',
  async send(message: OutgoingMessage, ctx: ChannelContext): Promise<SendOutcome> {
    const secretUrl = message.contact?.secret;
    if (!secretUrl) throw new PermanentFailure('no Workflows URL for this destination', 'NOT_CONFIGURED');
    let checked;
    try {
      checked = await checkDestination(secretUrl, ctx.providers.webhook);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException | null)?.code;
      throw new TemporaryFailure(`could not resolve the Workflows URL's host${code ? ` (${code})` : ''}`);
    }
    if (!checked.ok) throw new PermanentFailure(`the Workflows URL is refused: ${checked.problem}`, 'CLIENT_ERROR');
    const host = checked.url.host;

    const body = teamsEnvelope(message, { acknowledgeUrl: ctx.actionUrl('acknowledge'), resolveUrl: ctx.actionUrl('resolve') });
    let res: Response;
    try {
      res = await fetch(checked.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(ctx.timeoutMs),
      });
    } catch (err) {
      const e = err as (Error & { cause?: { code?: string } }) | null;
      if (e?.name === 'TimeoutError' || e?.name === 'AbortError') throw new TemporaryFailure(`Teams Workflows (${host}) did not answer within ${ctx.timeoutMs} ms`);
      const code = e?.cause?.code;
      throw new TemporaryFailure(`could not reach Teams Workflows (${host})${code ? ` (${code})` : ''}`);
    }
    const errorCode = await errorCodeOf(res);
    const s = res.status;
    if (s >= 200 && s < 300) return { providerMessageId: res.headers.get(RUN_ID_HEADER), providerStatus: String(s) };
    const said = `Teams Workflows answered ${s}${errorCode ? ` ${errorCode}` : ''}`;
    if (s === 408 || s === 429 || s >= 500) throw new TemporaryFailure(said, retryAfterMs(res.headers.get('retry-after'), ctx.clock.now()));
    if (s === 404) throw new PermanentFailure(`${said}: the workflow does not exist (deleted or turned off?)`, 'CHANNEL_NOT_FOUND');
    if (s === 401 || s === 403) throw new PermanentFailure(`${said}: the Workflows URL's signature is not accepted`, 'CLIENT_ERROR');
    throw new PermanentFailure(said, 'CLIENT_ERROR');
  },
};

/**
 * The error code of a Logic Apps style answer (`{"error":{"code":"..."}}`), else null; reads
 * at most a few KB and never the message text (which could quote the request).
 */
async function errorCodeOf(res: Response): Promise<string | null> {
  let text = '';
  try {
    const reader = res.body?.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    while (reader && size < 4096) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
    await reader?.cancel();
    text = Buffer.concat(chunks).subarray(0, 4096).toString('utf8');
  } catch {
    return null;
  }
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } } | null)?.error?.code;
    return typeof code === 'string' && /^[\w.-]{1,80}$/.test(code) ? code : null;
  } catch {
    return null;
  }
}
