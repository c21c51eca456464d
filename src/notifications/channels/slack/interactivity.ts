import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, badRequest, invalidField, unauthorized } from '../../../errors.ts';
import type { ActionResult } from '../../inbound/act-on-delivery.ts';
import type { SlackSettings } from '../../providers/settings.ts';
import type { InboundDeps } from '../channel.ts';
import { ACK_ACTION, actedBlocks, RESOLVE_ACTION } from './blocks.ts';
import { slackApi } from './client.ts';
import { isDeliveryId, messageBlocksOf, namedDeliveryId, readPayload, type BlockActions } from './payload.ts';
import { freshTimestamp, signedWith } from './signature.ts';
import { firstSighting, pruneSightings, slackDelivery, userOfSlackMember } from './store.ts';

/** Where Slack posts button clicks (the Slack app's "Interactivity Request URL"). */
export const SLACK_INTERACTIVITY_PATH = '/api/notifications/slack/interactivity';

/** Replay keys outlive the timestamp window (±5 min) and are then pruned, at most once a minute. */
const REPLAY_KEEP_MS = 10 * 60_000;
const PRUNE_EVERY_MS = 60_000;
const REPLAY_PREFIX = 'slack:';
/** The longest the message update after a click may take (it runs after the answer). */
const UPDATE_TIMEOUT_MS = 5_000;

/**
 * POST /api/notifications/slack/interactivity: Slack's signed `block_actions` requests
 * (form-encoded `payload=<json>`). A request is refused with nothing changed when a Slack
 * header is missing (400), its timestamp is more than 5 minutes off the clock, its signature
 * matches no candidate signing secret, or it was seen before (401). Candidate secrets: the
 * installation's, then that of the project whose delivery the payload names; a click only
 * counts for a delivery of the project whose Slack app signed it, and only from the message
 * that delivery posted. A valid "Acknowledge"/"Resolve" click acts through `deps.act` (via
 * `slack`), answers 200 with an empty body at once, and then replaces the message's buttons
 * with who did what. A signed but malformed payload is a 400; a signed click on anything else
 * answers 200 (Slack shows the user an error otherwise) and changes nothing.
 */
export function registerSlackInteractivity(app: FastifyInstance, deps: InboundDeps): void {
  let lastPrunedMs = -Infinity;
  const maybePrune = async (now: Date, log: FastifyBaseLogger): Promise<void> => {
    if (now.getTime() - lastPrunedMs < PRUNE_EVERY_MS) return;
    lastPrunedMs = now.getTime();
    try {
      await pruneSightings(deps.db, REPLAY_PREFIX, new Date(now.getTime() - REPLAY_KEEP_MS));
    } catch (err) {
      log.warn({ err }, 'slack interactivity: pruning replay keys failed');
    }
  };

  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    scope.addContentTypeParser('*', (req, _payload, done) => {
      const sent = req.headers['content-type'];
      done(new AppError(415, `Content-Type: ${sent ? `${sent.split(';')[0]} is not supported` : 'is missing'}; send application/x-www-form-urlencoded`), undefined);
    });

    scope.withTypeProvider<ZodTypeProvider>().post(
      SLACK_INTERACTIVITY_PATH,
      {
        schema: {
          tags: ['Notifications'],
          consumes: ['application/x-www-form-urlencoded'],
          summary: 'Slack interactivity (button clicks on Vigil messages)',
          description:
            'Called by Slack, signed with the Slack app\'s signing secret (X-Slack-Signature over "v0:<X-Slack-Request-Timestamp>:<raw body>"). ' +
            'application/x-www-form-urlencoded with payload=<block_actions JSON>. 200 with an empty body when accepted.',
          security: [],
          // Documentation only: the handler checks both headers itself (400 when missing, 401 when wrong).
          headers: z
            .object({
              'x-slack-request-timestamp': z.string().optional().describe('Unix seconds; refused when more than 5 minutes away from now'),
              'x-slack-signature': z.string().optional().describe('v0=<hex HMAC-SHA256 of "v0:<timestamp>:<raw body>">; each is accepted once'),
            })
            .loose(),
        },
      },
      async (req, reply) => {
        const raw = typeof req.body === 'string' ? req.body : '';
        const { timestamp, signature } = slackHeaders(req);
        const now = deps.clock.now();
        if (!freshTimestamp(Number(timestamp), now)) throw unauthorized('X-Slack-Request-Timestamp: is more than 5 minutes away from now');

        const secret = await verifyingSecret(deps, timestamp, raw, signature);
        if (!secret) throw unauthorized('X-Slack-Signature: does not match the request');
        if (!(await firstSighting(deps.db, `${REPLAY_PREFIX}${signature}`, now))) throw unauthorized('X-Slack-Signature: this request was already received');
        await maybePrune(now, req.log);

        const read = readPayload(raw);
        if (read.kind === 'invalid') throw badRequest(read.problem);
        if (read.kind === 'other') {
          req.log.info({ type: read.type }, 'slack interactivity: ignored an interaction Vigil does not handle');
          return reply.status(200).send();
        }
        await onClick(deps, req.log, read.payload, secret);
        return reply.status(200).send();
      },
    );
  });
}

/** The two Slack headers: 400 when either is missing or the timestamp is not unix seconds. */
function slackHeaders(req: FastifyRequest): { timestamp: string; signature: string } {
  const one = (name: string): string | undefined => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const timestamp = one('x-slack-request-timestamp');
  const signature = one('x-slack-signature');
  if (!timestamp) throw invalidField('X-Slack-Request-Timestamp', 'is missing');
  if (!signature) throw invalidField('X-Slack-Signature', 'is missing');
  if (!/^\d{1,12}$/.test(timestamp)) throw invalidField('X-Slack-Request-Timestamp', 'must be unix seconds');
  return { timestamp, signature };
}

/**
 * The signing secret that signed the request: the installation's, else that of the project
 * whose delivery the (not yet trusted) payload names. Null when none does.
 */
async function verifyingSecret(deps: InboundDeps, timestamp: string, raw: string, signature: string): Promise<string | null> {
  const installation = deps.defaults.slack?.signingSecret ?? null;
  if (installation && signedWith(installation, timestamp, raw, signature)) return installation;
  const deliveryId = namedDeliveryId(raw);
  const delivery = deliveryId ? await slackDelivery(deps.db, deliveryId) : null;
  if (!delivery) return null;
  const own = (await deps.providersFor(delivery.project_id)).slack?.signingSecret ?? null;
  return own && own !== installation && signedWith(own, timestamp, raw, signature) ? own : null;
}

const ACTIONS: Readonly<Record<string, 'acknowledge' | 'resolve'>> = { [ACK_ACTION]: 'acknowledge', [RESOLVE_ACTION]: 'resolve' };

/** Acts on a verified click, then (without waiting) updates the message; a click on anything else is logged and changes nothing. */
async function onClick(deps: InboundDeps, log: FastifyBaseLogger, payload: BlockActions, secret: string): Promise<void> {
  const action = payload.actions[0]!;
  const kind = ACTIONS[action.action_id];
  if (!kind) {
    log.info({ actionId: action.action_id }, 'slack interactivity: ignored a click on a button Vigil did not make');
    return;
  }
  const deliveryId = action.value ?? '';
  const delivery = isDeliveryId(deliveryId) ? await slackDelivery(deps.db, deliveryId) : null;
  const settings = delivery ? (await deps.providersFor(delivery.project_id)).slack : null;
  const from = `${payload.container.channel_id}:${payload.container.message_ts}`;
  if (!delivery || !settings || settings.signingSecret !== secret || delivery.provider_message_id !== from) {
    log.warn({ deliveryId: deliveryId.slice(0, 64), message: from }, 'slack interactivity: a click names no Slack delivery of this Slack app and message; nothing changed');
    return;
  }
  const userId = await userOfSlackMember(deps.db, delivery.project_id, payload.user.id);
  const result = await deps.act({ deliveryId: delivery.id, action: kind, via: 'slack', userId });
  if (result.outcome === 'no-subject') return;
  const line = actedLine(kind, result, payload.user.id);
  void updateMessage(settings, payload, line, result.title ?? delivery.title).catch((err: unknown) => {
    log.warn({ err: { name: (err as Error | null)?.name, message: (err as Error | null)?.message }, deliveryId: delivery.id }, 'slack interactivity: updating the message failed');
  });
}

/** The context line that replaces the buttons. */
function actedLine(kind: 'acknowledge' | 'resolve', result: ActionResult, slackUserId: string): string {
  const who = `<@${slackUserId}>`;
  if (result.outcome === 'done') return `${kind === 'acknowledge' ? 'Acknowledged' : 'Resolved'} by ${who} via Slack`;
  const what = result.subjectLabel ?? 'It';
  return `${who} clicked ${kind === 'acknowledge' ? 'Acknowledge' : 'Resolve'}: ${what} was already ${kind === 'acknowledge' ? 'acknowledged or resolved' : 'resolved'}`;
}

/** chat.update of the clicked message: the same blocks without buttons, plus `line`. */
async function updateMessage(settings: SlackSettings, payload: BlockActions, line: string, title: string): Promise<void> {
  const original = messageBlocksOf(payload);
  const blocks = actedBlocks(original.length > 0 ? original : [{ type: 'section', text: { type: 'plain_text', text: title.slice(0, 3000) } }], line);
  await slackApi(settings, UPDATE_TIMEOUT_MS).update({
    channel: payload.container.channel_id,
    ts: payload.container.message_ts,
    text: payload.message?.text || title,
    blocks,
  });
}
