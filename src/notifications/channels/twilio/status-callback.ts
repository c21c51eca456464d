import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { forbidden } from '../../../errors.ts';
import type { TwilioSettings } from '../../providers/settings.ts';
import type { InboundDeps } from '../channel.ts';
import { twilioApi, type TwilioApi } from './client.ts';
import { TWILIO_BODY_LIMIT_BYTES, TWILIO_CONSUMES } from './form-body.ts';
import { requireSignedBy, signatureOf } from './signature.ts';
import { applyStatusChange, deliveryBySid, recordPrice, type StatusChange } from './store.ts';
import { sendTwiml, messageReply } from './twiml.ts';

/** Longest the price lookup after a final status may take (the callback waits for it). */
const PRICE_TIMEOUT_MS = 5_000;

/** One kind of Twilio status callback: which deliveries it is about and what its statuses mean. */
export interface StatusCallbackSpec<S extends z.ZodType<Record<string, unknown>>> {
  readonly path: string;
  readonly method: 'sms' | 'call';
  readonly summary: string;
  readonly body: S;
  /** The message or call SID the callback is about. */
  sid(body: z.infer<S>): string;
  /** What the callback's status means for the delivery. */
  change(body: z.infer<S>): StatusChange;
  /** The resource's price once final (negative decimal USD), or null when Twilio has none yet. */
  price(api: TwilioApi, sid: string): Promise<{ price: string | null; unit: string | null }>;
}

/**
 * Mounts a Twilio status callback endpoint (form-encoded, signed): the delivery whose provider
 * id is the SID moves as `spec.change` says, never back from a final status; after a final
 * status the resource's price is fetched and recorded as the delivery's cost. A SID Vigil does
 * not know is answered 200 with nothing changed (Twilio would retry otherwise) and logged.
 * 400 without `X-Twilio-Signature`, 403 when no Twilio account of Vigil's signed it.
 */
export function registerStatusCallback<S extends z.ZodType<Record<string, unknown>>>(scope: FastifyInstance, deps: InboundDeps, spec: StatusCallbackSpec<S>): void {
  scope.withTypeProvider<ZodTypeProvider>().post(
    spec.path,
    {
      bodyLimit: TWILIO_BODY_LIMIT_BYTES,
      schema: { tags: ['Notifications'], consumes: [...TWILIO_CONSUMES], produces: ['text/xml'], summary: spec.summary, description: 'Called by Twilio; signed with X-Twilio-Signature.', security: [], body: spec.body },
    },
    async (req, reply) => {
      await handle(req, deps, spec, req.body as z.infer<S>);
      return sendTwiml(reply, messageReply(null));
    },
  );
}

async function handle<S extends z.ZodType<Record<string, unknown>>>(req: FastifyRequest, deps: InboundDeps, spec: StatusCallbackSpec<S>, body: z.infer<S>): Promise<void> {
  const signed = signatureOf(req, deps.publicUrl);
  const sid = spec.sid(body);
  const delivery = await deliveryBySid(deps.db, spec.method, sid);
  const signedBy = await requireSignedBy(deps, signed, body, delivery ? [delivery.project_id] : []);
  if (!delivery) {
    req.log.warn({ sid, method: spec.method }, 'twilio: a status callback for a message Vigil does not know; nothing changed');
    return;
  }
  const account = signedBy.projects.get(delivery.project_id);
  if (!account) throw forbidden('X-Twilio-Signature: does not match the request');
  const change = spec.change(body);
  const now = deps.clock.now();
  const changed = await applyStatusChange(deps.db, delivery.id, change, now);
  if (changed && change.kind !== 'progress') await recordCost(req, deps, spec, account, delivery.id, sid);
}

async function recordCost<S extends z.ZodType<Record<string, unknown>>>(
  req: FastifyRequest,
  deps: InboundDeps,
  spec: StatusCallbackSpec<S>,
  account: TwilioSettings,
  deliveryId: string,
  sid: string,
): Promise<void> {
  try {
    const { price, unit } = await spec.price(twilioApi(account, PRICE_TIMEOUT_MS), sid);
    if (price === null) return;
    if (unit !== null && unit.toUpperCase() !== 'USD') {
      req.log.info({ sid, unit }, 'twilio: price not in USD; cost not recorded');
      return;
    }
    await recordPrice(deps.db, deliveryId, price, deps.clock.now());
  } catch (err) {
    req.log.warn({ sid, error: err instanceof Error ? err.message : String(err) }, 'twilio: could not fetch the price; cost not recorded');
  }
}
