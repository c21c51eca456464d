import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { conflict, forbidden, notFound } from '../../../errors.ts';
import type { InboundDeps } from '../channel.ts';
import { TWILIO_BODY_LIMIT_BYTES, TWILIO_CONSUMES, useTwilioForm } from '../twilio/form-body.ts';
import { TWILIO_PATHS } from '../twilio/paths.ts';
import { requireSignedBy, signatureOf } from '../twilio/signature.ts';
import { registerStatusCallback } from '../twilio/status-callback.ts';
import { deliveryById, firstSighting } from '../twilio/store.ts';
import { gatherTwiml, sayReply, sendTwiml } from '../twilio/twiml.ts';
import { callStatusChange } from './call-status.ts';

const sid = z.string().min(1).max(64);

const statusBody = z.looseObject({
  CallSid: sid,
  CallStatus: z.string().min(1).max(40),
  CallDuration: z.string().max(16).optional(),
});

const gatherQuery = z.object({ d: z.guid({ error: 'must be a UUID' }) });
const gatherBody = z.looseObject({ CallSid: sid, Digits: z.string().max(64).optional() });

const KEYS: Readonly<Record<string, 'acknowledge' | 'resolve'>> = { '1': 'acknowledge', '2': 'resolve' };

/** The path and query of a call's `<Gather>` action (relative to Vigil's public URL). */
export function gatherPath(deliveryId: string): string {
  return `${TWILIO_PATHS.voiceGather}?d=${encodeURIComponent(deliveryId)}`;
}

/**
 * The voice channel's Twilio endpoints, in a scope of their own (form-encoded, signed):
 * `call-status` (call status callbacks) and `voice-gather` (the key pressed during a call).
 */
export function registerVoiceRoutes(app: FastifyInstance, deps: InboundDeps): void {
  void app.register(async (scope) => {
    useTwilioForm(scope);
    registerStatusCallback(scope, deps, {
      path: TWILIO_PATHS.callStatus,
      method: 'call',
      summary: 'Twilio call status callback',
      body: statusBody,
      sid: (b) => b.CallSid,
      change: (b) => callStatusChange(b.CallStatus, b.CallDuration),
      price: async (api, s) => {
        const c = await api.fetchCall(s);
        return { price: c.price, unit: c.priceUnit };
      },
    });
    scope.withTypeProvider<ZodTypeProvider>().post(
      TWILIO_PATHS.voiceGather,
      {
        bodyLimit: TWILIO_BODY_LIMIT_BYTES,
        schema: {
          tags: ['Notifications'],
          consumes: [...TWILIO_CONSUMES],
          produces: ['text/xml'],
          summary: 'Twilio <Gather> result: the key pressed during a call',
          description:
            'Called by Twilio; signed with X-Twilio-Signature. `d` is the delivery the call belongs to. Digits 1 acknowledges and 2 resolves ' +
            'its incident or alert; any other key changes nothing and asks again. Answers TwiML. The same key replayed for the same call is refused with 409.',
          security: [],
          querystring: gatherQuery,
          body: gatherBody,
        },
      },
      async (req, reply) => {
        const signed = signatureOf(req, deps.publicUrl);
        const delivery = await deliveryById(deps.db, 'call', req.query.d);
        const signedBy = await requireSignedBy(deps, signed, req.body, delivery ? [delivery.project_id] : []);
        if (!delivery) throw notFound(`d: no call ${req.query.d}`);
        if (!signedBy.projects.has(delivery.project_id)) throw forbidden('X-Twilio-Signature: does not match the request');
        if (delivery.provider_message_id && delivery.provider_message_id !== req.body.CallSid) {
          throw forbidden(`CallSid: is not the call of delivery ${delivery.id}`);
        }
        const digits = req.body.Digits ?? '';
        const action = KEYS[digits];
        if (!action) {
          const again = `${deps.publicUrl}${gatherPath(delivery.id)}`;
          return sendTwiml(reply, gatherTwiml('Not understood. Press 1 to acknowledge, press 2 to resolve.', again, 'Nothing changed. Goodbye.'));
        }
        const now = deps.clock.now();
        if (!(await firstSighting(deps.db, `twilio:gather:${req.body.CallSid}:${delivery.id}:${digits}`, now))) {
          throw conflict(`Digits: ${digits} was handled already for call ${req.body.CallSid}`);
        }
        const result = await deps.act({ deliveryId: delivery.id, action, via: 'call' });
        const done = action === 'acknowledge' ? 'Acknowledged' : 'Resolved';
        const text =
          result.outcome === 'done'
            ? `${done}. Goodbye.`
            : result.outcome === 'already'
              ? 'Nothing changed; it was already acknowledged or resolved. Goodbye.'
              : `There is nothing to ${action}. Goodbye.`;
        return sendTwiml(reply, sayReply(text));
      },
    );
  });
}
