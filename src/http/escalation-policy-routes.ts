import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Actor } from '../access/actor.ts';
import { permits, standardPermissions } from '../access/roles.ts';
import { forbidden, invalidField } from '../errors.ts';
import { policyChanged } from '../sla/handlers.ts';
import { ENTITY_MEDIA } from '../sla/media.ts';
import { createPolicy, deletePolicy, getPolicy, listPolicies, replacePolicy } from '../sla/policy-store.ts';
import type { Clock } from '../storage/clock.ts';
import type { Db } from '../storage/database.ts';
import { actorOf } from './auth.ts';

/** Permission names follow the catalog: `Create|Read|Edit|Delete Escalation Policy`. */
export const ESCALATION_POLICY_PERMISSIONS = standardPermissions('Escalation Policy');
const TITLE = 'Escalation Policy';
const BASE = '/api/escalation-policy';

const seconds = z.number().int().min(0);
const recipient = z.object({
  Entity: z.string().describe('"$assignee" (the incident\'s assignee when the level fires), or the id of a user or team of the project'),
  EntityMedium: z.string().describe(`How to reach the recipient: ${Object.keys(ENTITY_MEDIA).join(', ')} (case-insensitive)`),
  MediumDetails: z.record(z.string(), z.unknown()).optional().describe('Medium details, kept as given'),
  NotifyForIncidents: z.array(z.string()).optional().describe('Only for these incident types; empty: every type'),
});
const level = z.object({
  Action: z.enum(['NOTIFY']),
  Recipients: z.array(recipient),
  TimeAfter: seconds.optional().describe('Seconds after the previous level present (after the breach for the first level); ignored for L0'),
});
const threshold = z
  .object({ L0: level.optional(), L1: level.optional(), L2: level.optional(), L3: level.optional() })
  .describe('Escalation levels L0–L3; L0 fires when the breach happens');
const target = z.object({
  StartThreshold: seconds.optional().describe('Seconds after creation by which the incident must be acknowledged or started'),
  DueTime: seconds.optional().describe('Seconds after creation by which the incident must be resolved'),
});
const policyDocument = z
  .object({
    ID: z.string().describe('32 hexadecimal digits; generated when left out on create'),
    ATTR: z.string().describe('attr#escalationpolicy#<ID>#<PolicyId>; added when left out'),
    Name: z.string(),
    Description: z.string().optional(),
    PolicyId: z.string(),
    IncidentTypes: z.array(z.string()).describe('Incident types the policy watches; "*" for every type'),
    TargetDurations: z
      .object({ L: target.optional(), N: target.optional(), M: target.optional(), H: target.optional() })
      .describe('Per incident priority; a priority without targets is not watched'),
    EscalationSettings: z.object({
      StartThresholdSettings: threshold.optional().describe('Work not acknowledged or started by StartThreshold'),
      DueTimeThresholdSettings: threshold.optional().describe('Not resolved by DueTime'),
      UnassignedSettings: threshold.optional().describe('Nobody assigned'),
    }),
  })
  .describe('An escalation policy in SmartClean Matrix\'s shape, stored and returned exactly as written (key order included)');

const EXAMPLE = {
  Description: 'Description',
  ID: '9b0b73c4cda44a7bacf3c4f4f81ffcea',
  IncidentTypes: ['*'],
  Name: 'escalation policy 2',
  PolicyId: 'default',
  TargetDurations: { H: { StartThreshold: 300, DueTime: 900 } },
  EscalationSettings: {
    StartThresholdSettings: {
      L0: { Action: 'NOTIFY', Recipients: [{ Entity: '$assignee', EntityMedium: 'MATRIX_APP_NOTIFICATION', MediumDetails: {}, NotifyForIncidents: [] }], TimeAfter: 300 },
    },
  },
  ATTR: 'attr#escalationpolicy#9b0b73c4cda44a7bacf3c4f4f81ffcea#default',
};

/** Validation is the policy module's (every problem named by its field path), so the body schema only documents. */
const writeBody = z
  .record(z.string(), z.unknown())
  .describe('An escalation policy (the shape of the 200 answer), sent as is; `{"data": policy}` is accepted too')
  .meta({ examples: [EXAMPLE] });
const idParams = z.object({ id: z.string().regex(/^[0-9a-fA-F]{32}$/, { error: 'must be 32 hexadecimal digits' }) });
const pageQuery = z.object({
  skip: z.string().optional().describe('Policies to skip (default 0)'),
  limit: z.string().optional().describe('Policies to return (default 10, at most 10000)'),
});
const errorBody = z.object({ error: z.string() });
const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody, 429: z.unknown() };
const listAnswer = z.object({ count: z.number().int(), limit: z.number().int(), skip: z.number().int(), data: z.array(policyDocument) });

type Op = 'read' | 'create' | 'update' | 'delete';

function authorizePolicy(actor: Actor, op: Op): void {
  const required = ESCALATION_POLICY_PERMISSIONS[op]!;
  if (!permits(actor.permissions, required)) {
    throw forbidden(`Permission denied: to ${op} ${TITLE} you need one of: ${required.join(', ')}`);
  }
}

/** The policy in a write body: the body itself, or its `data` (the resource API's envelope). */
function policyOf(body: unknown): unknown {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const keys = Object.keys(body);
    const data = (body as { data?: unknown }).data;
    if (keys.length === 1 && keys[0] === 'data' && typeof data === 'object' && data !== null) return data;
  }
  return body;
}

function integer(name: string, raw: unknown, dflt: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return dflt;
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw invalidField(name, `must be an integer from ${min} to ${max}`);
  return n;
}

/**
 * `/api/escalation-policy`: SmartClean Matrix escalation policies (seed 003), stored and
 * answered exactly as written. Create, get, list, replace (PUT the whole object) and delete,
 * with the resource API's route aliases (`get-list`, `:id/get-item`, `:id/update-item`,
 * `:id/delete-item`). Each write also schedules the re-evaluation of the project's open
 * incidents, so a policy applies to them at once.
 */
export function registerEscalationPolicyRoutes(app: FastifyInstance, deps: { db: Db; clock: Clock }): void {
  const z$ = app.withTypeProvider<ZodTypeProvider>();
  const tags = [TITLE];
  const config = { auth: true };

  z$.post(BASE, {
    config,
    schema: { tags, summary: 'Create an escalation policy', body: writeBody, response: { 200: policyDocument, ...errors, 409: errorBody } },
  }, async (req) => {
    const actor = actorOf(req);
    authorizePolicy(actor, 'create');
    return deps.db.transaction().execute(async (tx) => {
      const now = deps.clock.now();
      const stored = await createPolicy(tx, actor.projectId, policyOf(req.body), actor.userId, now);
      await policyChanged(tx, actor.projectId, now);
      return stored.document;
    });
  });

  const list = async (req: FastifyRequest, page: { skip?: unknown; limit?: unknown }) => {
    const actor = actorOf(req);
    authorizePolicy(actor, 'read');
    const skip = integer('skip', page.skip, 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = integer('limit', page.limit, 10, 1, 10_000);
    const res = await listPolicies(deps.db, actor.projectId, { skip, limit });
    return { count: res.count, limit, skip, data: res.data.map((p) => p.document) };
  };
  const listSchema = { tags, summary: 'List escalation policies', description: 'Oldest first.', querystring: pageQuery, response: { 200: listAnswer, ...errors } };
  z$.get(BASE, { config, schema: listSchema }, async (req) => list(req, req.query));
  z$.get(`${BASE}/get-list`, { config, schema: listSchema }, async (req) => list(req, req.query));
  z$.post(`${BASE}/get-list`, {
    config,
    schema: { ...listSchema, body: z.object({ skip: z.number().int().optional(), limit: z.number().int().optional() }).loose().nullish() },
  }, async (req) => list(req, { skip: req.query.skip ?? req.body?.skip, limit: req.query.limit ?? req.body?.limit }));

  const get = async (req: FastifyRequest<{ Params: { id: string } }>) => {
    const actor = actorOf(req);
    authorizePolicy(actor, 'read');
    return (await getPolicy(deps.db, actor.projectId, req.params.id)).document;
  };
  const getSchema = { tags, summary: 'Get an escalation policy by ID', params: idParams, response: { 200: policyDocument, ...errors } };
  z$.get(`${BASE}/:id`, { config, schema: getSchema }, get);
  z$.get(`${BASE}/:id/get-item`, { config, schema: getSchema }, get);
  z$.post(`${BASE}/:id/get-item`, { config, schema: { ...getSchema, body: z.unknown() } }, get);

  const replace = async (req: FastifyRequest<{ Params: { id: string }; Body: unknown }>) => {
    const actor = actorOf(req);
    authorizePolicy(actor, 'update');
    return deps.db.transaction().execute(async (tx) => {
      const now = deps.clock.now();
      const stored = await replacePolicy(tx, actor.projectId, req.params.id, policyOf(req.body), now);
      await policyChanged(tx, actor.projectId, now);
      return stored.document;
    });
  };
  const replaceSchema = {
    tags,
    summary: 'Replace an escalation policy (the whole object)',
    description: '`ID` may be left out; when given it must be the ID in the path. Answers the stored policy.',
    params: idParams,
    body: writeBody,
    response: { 200: policyDocument, ...errors },
  };
  z$.put(`${BASE}/:id`, { config, schema: replaceSchema }, replace);
  z$.post(`${BASE}/:id/update-item`, { config, schema: replaceSchema }, replace);

  const remove = async (req: FastifyRequest<{ Params: { id: string } }>) => {
    const actor = actorOf(req);
    authorizePolicy(actor, 'delete');
    await deps.db.transaction().execute(async (tx) => {
      const now = deps.clock.now();
      await deletePolicy(tx, actor.projectId, req.params.id);
      await policyChanged(tx, actor.projectId, now);
    });
    return {};
  };
  const deleteSchema = {
    tags,
    summary: 'Delete an escalation policy',
    description: 'Its open breaches clear and their pending levels are cancelled; the escalation log is kept.',
    params: idParams,
    response: { 200: z.object({}), ...errors },
  };
  z$.delete(`${BASE}/:id`, { config, schema: deleteSchema }, remove);
  z$.post(`${BASE}/:id/delete-item`, { config, schema: deleteSchema }, remove);
}
