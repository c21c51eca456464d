import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { label } from '../../incidents/subjects.ts';
import type { InboundDeps } from '../channels/channel.ts';
import { ACTION_PATH, type LinkClaim } from '../links.ts';
import type { Method } from '../model.ts';
import type { AckChannel } from './act-on-delivery.ts';
import { confirmPage, problemPage, resultPage, sendPage } from './action-link-page.ts';
import { linkedDelivery, type LinkedDelivery } from './action-link-store.ts';

/** The POST needs no body; a confirmation form sends an empty one. Anything larger is refused (413). */
export const ACTION_BODY_LIMIT_BYTES = 4096;

/** Request logs of these routes stay at warn: the token in the URL is a credential for a week. */
const QUIET = 'warn';

/** The channel an action through a link is recorded as: the delivery's own where it carried links, else email. */
const VIA_OF: Partial<Readonly<Record<Method, AckChannel>>> = { teams: 'teams', webhook: 'webhook' };

const TOKEN_PARAM = z.string().max(4000).describe('the signed token from the link');

/** A refusal: its status, a heading and a sentence for the page (or the JSON `error`). */
interface Refusal {
  readonly status: number;
  readonly heading: string;
  readonly message: string;
}

/** Whether the caller asked for JSON rather than a page (a program following a webhook's link). */
function wantsJson(req: FastifyRequest): boolean {
  const accept = String(req.headers.accept ?? '');
  return accept.includes('application/json') && !accept.includes('text/html');
}

function refuse(req: FastifyRequest, reply: FastifyReply, r: Refusal): FastifyReply {
  if (wantsJson(req)) return reply.status(r.status).header('cache-control', 'no-store').send({ error: r.message });
  return sendPage(reply, r.status, problemPage(r.heading, r.message));
}

/** The claim and delivery a token stands for, or why it stands for nothing (400 altered/malformed, 410 expired, 404 gone). */
async function resolve(deps: InboundDeps, token: string): Promise<{ claim: LinkClaim; delivery: LinkedDelivery } | Refusal> {
  const claim = deps.links.verify(token);
  if ('error' in claim) {
    return claim.expired
      ? { status: 410, heading: 'This link has expired', message: 'token: the link has expired (links work for 7 days); open Vigil to act on it instead.' }
      : { status: 400, heading: 'This link is not valid', message: `token: ${claim.error}; nothing was changed.` };
  }
  const delivery = await linkedDelivery(deps.db, claim.deliveryId);
  if (!delivery) return { status: 404, heading: 'Nothing to act on', message: 'token: the notification this link came with no longer exists.' };
  if (!delivery.subjectType) {
    return { status: 404, heading: 'Nothing to act on', message: `token: the notification "${delivery.title}" is not about anything that can be ${claim.action}d.` };
  }
  return { claim, delivery };
}

const tokenOf = (params: { token?: string }): string => params.token ?? '';

/**
 * The signed acknowledge / resolve links of emails, Teams cards and webhook bodies, at
 * {@link ACTION_PATH}`/<token>`. `GET` verifies the token and answers a small HTML page saying
 * what it is about, with one button that POSTs back; it changes nothing, so a mail scanner
 * following the link acknowledges nothing. `POST` (empty or form-encoded body) acts through
 * `deps.act` as the delivery's recipient, `via` the delivery's channel (teams, webhook, else
 * email), and answers "Acknowledged" (or "Already acknowledged": acting twice is harmless).
 * An altered or malformed token is a 400, an expired one a 410, a token for a delivery that is
 * gone or about nothing a 404, each with nothing changed. Pages are HTML; a caller that
 * accepts only JSON gets `{"outcome", ...}` or `{"error"}`.
 *
 * Tokens are longer than fastify's default 100-character parameter limit: the app raises it.
 */
export function registerActionLinkRoutes(app: FastifyInstance, deps: InboundDeps): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: ACTION_BODY_LIMIT_BYTES }, (_req, _body, done) => done(null, undefined));
    const r = scope.withTypeProvider<ZodTypeProvider>();

    const show = async (req: FastifyRequest, reply: FastifyReply, token: string): Promise<FastifyReply> => {
      const found = await resolve(deps, token);
      if ('status' in found) return refuse(req, reply, found);
      const about = label(found.delivery.subjectType!);
      if (wantsJson(req)) return reply.header('cache-control', 'no-store').send({ action: found.claim.action, about, title: found.delivery.title });
      return sendPage(reply, 200, confirmPage(found.claim.action, about, found.delivery.title));
    };

    const act = async (req: FastifyRequest, reply: FastifyReply, token: string): Promise<FastifyReply> => {
      const found = await resolve(deps, token);
      if ('status' in found) return refuse(req, reply, found);
      const { claim, delivery } = found;
      const result = await deps.act({ deliveryId: claim.deliveryId, action: claim.action, via: VIA_OF[delivery.method] ?? 'email' });
      if (result.outcome === 'no-subject') {
        return refuse(req, reply, { status: 404, heading: 'Nothing to act on', message: 'token: the notification this link came with is not about anything that can be acted on.' });
      }
      const about = result.subjectLabel ?? label(delivery.subjectType!);
      const title = result.title ?? delivery.title;
      req.log.info({ deliveryId: claim.deliveryId, action: claim.action, outcome: result.outcome }, 'action link: acted on a notification');
      if (wantsJson(req)) return reply.header('cache-control', 'no-store').send({ outcome: result.outcome, action: claim.action, about, title });
      return sendPage(reply, 200, resultPage(claim.action, result.outcome, about, title));
    };

    const summary = {
      get: 'Confirmation page of a signed acknowledge / resolve link (changes nothing)',
      post: 'Acknowledge or resolve through a signed link',
    };
    const description =
      'The token is signed by Vigil and expires after 7 days; it names one notification, and whoever acts is recorded as its recipient. ' +
      'GET answers an HTML page with a button; POST (empty or form-encoded body) acts and answers an HTML page, or JSON when only ' +
      'application/json is accepted. 400: altered or malformed token; 410: expired; 404: the notification is gone.';
    r.get(`${ACTION_PATH}/:token`, {
      logLevel: QUIET,
      schema: { tags: ['Notifications'], summary: summary.get, description, produces: ['text/html', 'application/json'], security: [], params: z.object({ token: TOKEN_PARAM }) },
    }, (req, reply) => show(req, reply, tokenOf(req.params)));
    r.post(`${ACTION_PATH}/:token`, {
      logLevel: QUIET,
      schema: {
        tags: ['Notifications'],
        summary: summary.post,
        description,
        consumes: ['application/x-www-form-urlencoded'],
        produces: ['text/html', 'application/json'],
        security: [],
        params: z.object({ token: TOKEN_PARAM }),
      },
    }, (req, reply) => act(req, reply, tokenOf(req.params)));
  });
}
