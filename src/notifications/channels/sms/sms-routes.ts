import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { conflict } from '../../../errors.ts';
import type { InboundDeps } from '../channel.ts';
import { TWILIO_BODY_LIMIT_BYTES, TWILIO_CONSUMES, useTwilioForm } from '../twilio/form-body.ts';
import { TWILIO_PATHS } from '../twilio/paths.ts';
import { requireSignedBy, signatureOf } from '../twilio/signature.ts';
import { registerStatusCallback } from '../twilio/status-callback.ts';
import { deliveryByReplyCode, firstSighting, projectsOfNumber, setNumberStopped } from '../twilio/store.ts';
import { messageReply, sendTwiml } from '../twilio/twiml.ts';
import { messageStatusChange } from './message-status.ts';
import { parseReply } from './reply-command.ts';
import { clip } from '../text.ts';
import { pruneSightingsNowAndThen } from '../../inbound/replay.ts';

/** Twilio retries a webhook for minutes, not days: replay keys older than two days are forgotten. */
const TWILIO_REPLAY_KEEP_MS = 2 * 86_400_000;

/** How far back a reply code is looked up (codes are reused per number after a day). */
const REPLY_WINDOW_MS = 86_400_000;

const sid = z.string().min(1).max(64);

const statusBody = z.looseObject({
  MessageSid: sid,
  MessageStatus: z.string().min(1).max(40),
  ErrorCode: z.string().max(16).optional(),
});

const inboundBody = z.looseObject({
  MessageSid: sid,
  From: z.string().min(1).max(64),
  Body: z.string().max(4000),
});

/**
 * The SMS channel's Twilio endpoints, in a scope of their own (form-encoded, signed):
 * `sms-status` (message status callbacks) and `sms-inbound` (replies: `<n>a`, `<n>c`, STOP, START).
 */
export function registerSmsRoutes(app: FastifyInstance, deps: InboundDeps): void {
  void app.register(async (scope) => {
    useTwilioForm(scope);
    registerStatusCallback(scope, deps, {
      path: TWILIO_PATHS.smsStatus,
      method: 'sms',
      summary: 'Twilio SMS status callback',
      body: statusBody,
      sid: (b) => b.MessageSid,
      change: (b) => messageStatusChange(b.MessageStatus, b.ErrorCode),
      price: async (api, s) => {
        const m = await api.fetchMessage(s);
        return { price: m.price, unit: m.priceUnit };
      },
    });
    scope.withTypeProvider<ZodTypeProvider>().post(
      TWILIO_PATHS.smsInbound,
      {
        bodyLimit: TWILIO_BODY_LIMIT_BYTES,
        schema: {
          tags: ['Notifications'],
          consumes: [...TWILIO_CONSUMES],
          produces: ['text/xml'],
          summary: 'Twilio inbound SMS: reply codes, STOP and START',
          description:
            'Called by Twilio; signed with X-Twilio-Signature. `<n>a` acknowledges and `<n>c` resolves the incident or alert of the SMS with ' +
            'reply code n sent to this number in the last 24 hours; STOP turns every SMS and voice contact method at the number off, START ' +
            'on again. Answers TwiML. A replayed message (same MessageSid) is refused with 409.',
          security: [],
          body: inboundBody,
        },
      },
      async (req, reply) => {
        const signed = signatureOf(req, deps.publicUrl);
        const from = req.body.From;
        const now = deps.clock.now();
        const since = new Date(now.getTime() - REPLY_WINDOW_MS);
        const signedBy = await requireSignedBy(deps, signed, req.body, await projectsOfNumber(deps.db, from, since));
        await pruneSightingsNowAndThen(deps.db, 'twilio:', now, TWILIO_REPLAY_KEEP_MS);
        if (!(await firstSighting(deps.db, `twilio:sms:${req.body.MessageSid}`, now))) throw conflict(`MessageSid: ${req.body.MessageSid} was handled already`);
        const projects = [...signedBy.projects.keys()];
        const command = parseReply(req.body.Body);
        if (command.kind === 'stop') {
          const n = await setNumberStopped(deps.db, from, projects, true, now);
          req.log.info({ contactMethods: n }, 'twilio: a number replied STOP');
          return sendTwiml(reply, messageReply('You will get no more messages from Vigil at this number. Reply START to turn them on again.'));
        }
        if (command.kind === 'start') {
          const n = await setNumberStopped(deps.db, from, projects, false, now);
          req.log.info({ contactMethods: n }, 'twilio: a number replied START');
          return sendTwiml(reply, messageReply('Messages from Vigil to this number are on again.'));
        }
        if (command.kind === 'unknown') {
          return sendTwiml(reply, messageReply('Not understood; nothing changed. Reply with the code from the message: <n>a to acknowledge, <n>c to resolve.'));
        }
        const delivery = await deliveryByReplyCode(deps.db, from, command.code, since, projects);
        if (!delivery) return sendTwiml(reply, messageReply(`Unknown reply code ${command.code}; nothing changed.`));
        const result = await deps.act({ deliveryId: delivery.id, action: command.action, via: 'sms' });
        const title = clip(result.title ?? delivery.title, 200);
        const done = command.action === 'acknowledge' ? 'Acknowledged' : 'Resolved';
        const text =
          result.outcome === 'done'
            ? `${done}: ${title}`
            : result.outcome === 'already'
              ? `Nothing changed; already ${command.action === 'acknowledge' ? 'acknowledged or resolved' : 'resolved'}: ${title}`
              : `Nothing to ${command.action} for code ${command.code}.`;
        return sendTwiml(reply, messageReply(text));
      },
    );
  });
}
