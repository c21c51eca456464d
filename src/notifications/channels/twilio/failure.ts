import { PermanentFailure, TemporaryFailure } from '../channel.ts';
import type { ProviderSettings, TwilioSettings } from '../../providers/settings.ts';

/** Twilio's authentication error: the account SID or auth token is wrong. */
const AUTHENTICATION = 20003;

/** The error twilio-node throws for a non-2xx answer (`RestException`, `TwilioServiceException`). */
interface TwilioHttpError {
  readonly status: number;
  readonly code?: number;
  readonly message: string;
}

function isTwilioHttpError(err: unknown): err is TwilioHttpError {
  return err instanceof Error && typeof (err as Partial<TwilioHttpError>).status === 'number';
}

/**
 * What a failed Twilio call means for the sender: 429 (20429) and 5xx are temporary, as is
 * anything that never got an answer (connection refused or reset, timeout); any other 4xx is
 * permanent with Twilio's code and message (21211 invalid number, 21610 unsubscribed, ...),
 * `NOT_CONFIGURED` for wrong credentials (20003). Failures already classified pass through.
 * Never throws; the text never holds a credential.
 */
export function twilioFailure(err: unknown): TemporaryFailure | PermanentFailure {
  if (err instanceof TemporaryFailure || err instanceof PermanentFailure) return err;
  if (isTwilioHttpError(err)) {
    const what = `Twilio error ${err.code ?? err.status}: ${err.message}`;
    if (err.status === 429 || err.status >= 500) return new TemporaryFailure(what);
    if (err.code === AUTHENTICATION || err.status === 401) return new PermanentFailure(what, 'NOT_CONFIGURED');
    return new PermanentFailure(what, 'CLIENT_ERROR');
  }
  const text = err instanceof Error ? err.message : String(err);
  return new TemporaryFailure(`could not reach Twilio: ${text}`);
}

/** The project's Twilio account, or a permanent `NOT_CONFIGURED` failure when it has none. */
export function requireTwilio(providers: ProviderSettings): TwilioSettings {
  if (!providers.twilio) throw new PermanentFailure('no Twilio account configured', 'NOT_CONFIGURED');
  return providers.twilio;
}
