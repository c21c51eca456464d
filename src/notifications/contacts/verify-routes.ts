import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../http/auth.ts';
import type { ResourceRegistry } from '../../resources/registry.ts';
import { authorize } from '../../resources/service.ts';
import type { Clock } from '../../storage/clock.ts';
import type { Db } from '../../storage/database.ts';
import type { ContactKind } from '../model.ts';
import type { SecretBox } from '../secrets.ts';
import { resendCode, verifyContact } from './verify.ts';

/** The contact-method resources verified with a code, and the kinds of row each covers. */
const VERIFIABLE: ReadonlyArray<{ readonly name: string; readonly kinds: readonly ContactKind[] }> = [
  { name: 'user-email', kinds: ['email'] },
  { name: 'user-sms', kinds: ['sms'] },
  { name: 'user-call', kinds: ['call'] },
  { name: 'user-webhook', kinds: ['webhook'] },
  { name: 'workspace-destination', kinds: ['slack', 'teams'] },
];

const itemId = z.guid({ error: 'must be a UUID' }).describe('ID of the contact method');
const code = z.string({ error: 'must be a string of 6 digits' }).regex(/^\d{6}$/, 'must be 6 digits').describe('The 6-digit code that was sent');
const errorBody = z.object({ error: z.string() });
const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody, 410: errorBody, 429: errorBody };

export interface VerifyRouteDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly registry: ResourceRegistry;
  readonly box: SecretBox;
}

/**
 * Verification of contact methods, OneUptime's routes for each verifiable resource P:
 * `POST /api/P/verify` `{itemId, code}` and `POST /api/P/:id/verify` `{code}`;
 * `POST /api/P/resend-verification-code` `{itemId}` and `POST /api/P/:id/resend-verification-code`.
 * Authorised as an update of the contact method (a user's own, or anyone's as Owner or Admin).
 * Success answers `{}`.
 */
export function registerVerifyRoutes(app: FastifyInstance, deps: VerifyRouteDeps): void {
  const z$ = app.withTypeProvider<ZodTypeProvider>();
  for (const v of VERIFIABLE) {
    const r = deps.registry.get(v.name)!;
    const base = `/api/${v.name}`;
    const tags = [r.title];
    const target = (req: Parameters<typeof actorOf>[0], id: string) => {
      const actor = actorOf(req);
      authorize(actor, r, 'update');
      return { projectId: actor.projectId, id: id.toLowerCase(), kinds: v.kinds, title: r.title, actor };
    };
    const verifySummary = `Verify a ${r.title} with the code sent to it`;
    const resendSummary = `Send a new verification code to a ${r.title} (at most once a minute)`;
    const ok = { 200: z.object({}) };

    z$.post(`${base}/verify`, {
      config: { auth: true },
      schema: { tags, summary: verifySummary, body: z.object({ itemId, code }).strict(), response: { ...ok, ...errors } },
    }, async (req) => {
      await verifyContact(deps.db, deps.box, deps.clock, target(req, req.body.itemId), req.body.code);
      return {};
    });
    z$.post(`${base}/:id/verify`, {
      config: { auth: true },
      schema: { tags, summary: verifySummary, params: z.object({ id: itemId }), body: z.object({ code }).strict(), response: { ...ok, ...errors } },
    }, async (req) => {
      await verifyContact(deps.db, deps.box, deps.clock, target(req, req.params.id), req.body.code);
      return {};
    });
    z$.post(`${base}/resend-verification-code`, {
      config: { auth: true },
      schema: { tags, summary: resendSummary, body: z.object({ itemId }).strict(), response: { ...ok, ...errors } },
    }, async (req) => {
      await resendCode(deps.db, deps.box, deps.clock, target(req, req.body.itemId));
      return {};
    });
    z$.post(`${base}/:id/resend-verification-code`, {
      config: { auth: true },
      schema: { tags, summary: resendSummary, params: z.object({ id: itemId }), body: z.object({}).strict().nullish(), response: { ...ok, ...errors } },
    }, async (req) => {
      await resendCode(deps.db, deps.box, deps.clock, target(req, req.params.id));
      return {};
    });
  }
}
