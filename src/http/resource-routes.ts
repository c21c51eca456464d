import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { invalidField } from '../errors.ts';
import type { Resource } from '../resources/definition.ts';
import type { ResourceRegistry } from '../resources/registry.ts';
import { buildSchemas } from '../resources/schemas.ts';
import type { ResourceService } from '../resources/service.ts';
import { actorOf } from './auth.ts';

const idParams = z.object({ id: z.guid({ error: 'must be a UUID' }) });
const pagingQuery = z.object({
  skip: z.string().optional().describe('Rows to skip (default 0)'),
  limit: z.string().optional().describe('Rows to return (default 10, at most 10000)'),
});
const listQueryString = pagingQuery.extend({
  select: z.string().optional().describe('JSON object of fields to return'),
  query: z.string().optional().describe('JSON filter object'),
  sort: z.string().optional().describe('JSON sort object'),
});
const getQueryString = z.object({ select: z.string().optional().describe('JSON object of fields to return') });
const errorBody = z.object({ error: z.string() });
const empty = z.object({});

/**
 * Registers the OneUptime-compatible routes of every resource: get-list, get-item,
 * count, create, update and delete. Operations a resource does not offer still have
 * their routes and answer 405 saying so.
 */
export function registerResourceRoutes(app: FastifyInstance, registry: ResourceRegistry, service: ResourceService): void {
  // The API takes JSON only. Without this, fastify's built-in text/plain parser hands a
  // text body to validation (a misleading 400) instead of answering 415.
  app.removeContentTypeParser('text/plain');
  for (const r of registry.all()) registerResource(app, r, service);
}

function registerResource(app: FastifyInstance, r: Resource, service: ResourceService): void {
  const z$ = app.withTypeProvider<ZodTypeProvider>();
  const s = buildSchemas(r);
  const base = `/api/${r.name}`;
  const tags = [r.title];
  const config = { auth: true };
  const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody, 429: z.unknown() };
  const listResponse = z.object({ count: z.number().int(), limit: z.number().int(), skip: z.number().int(), data: z.array(s.item) });

  z$.post(`${base}/get-list`, {
    config,
    schema: { tags, summary: `List ${r.title}`, description: r.description, body: s.listBody, querystring: pagingQuery, response: { 200: listResponse, ...errors } },
  }, async (req) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    return service.list(actorOf(req), r, { ...body, skip: req.query.skip ?? body.skip, limit: req.query.limit ?? body.limit });
  });

  z$.get(`${base}/get-list`, {
    config,
    schema: { tags, summary: `List ${r.title}`, querystring: listQueryString, response: { 200: listResponse, ...errors } },
  }, async (req) => {
    const q = req.query;
    return service.list(actorOf(req), r, {
      select: jsonParam('select', q.select),
      query: jsonParam('query', q.query),
      sort: jsonParam('sort', q.sort),
      skip: q.skip,
      limit: q.limit,
    });
  });

  z$.post(`${base}/:id/get-item`, {
    config,
    schema: { tags, summary: `Get ${r.title} by ID`, params: idParams, body: s.getBody, response: { 200: s.item, ...errors } },
  }, async (req) => service.get(actorOf(req), r, req.params.id.toLowerCase(), (req.body as { select?: unknown } | null)?.select));

  z$.get(`${base}/:id/get-item`, {
    config,
    schema: { tags, summary: `Get ${r.title} by ID`, params: idParams, querystring: getQueryString, response: { 200: s.item, ...errors } },
  }, async (req) => service.get(actorOf(req), r, req.params.id.toLowerCase(), jsonParam('select', req.query.select)));

  z$.post(`${base}/count`, {
    config,
    schema: { tags, summary: `Count ${r.title}`, body: s.countBody, response: { 200: z.object({ count: z.number().int() }), ...errors } },
  }, async (req) => ({ count: await service.count(actorOf(req), r, (req.body as { query?: unknown } | null)?.query) }));

  // An operation the resource does not offer takes any body, so that every caller gets its 405.
  const offered = (op: 'create' | 'update', schema: z.ZodType) => (r.permissions[op] === null ? z.unknown() : schema);

  z$.post(base, {
    config,
    schema: { tags, summary: `Create ${r.title}`, body: offered('create', s.createBody), response: { 200: s.item, ...errors, 405: errorBody, 409: errorBody } },
  }, async (req) => {
    const body = req.body as { data: unknown; miscDataProps?: Record<string, unknown> } | undefined;
    return service.create(actorOf(req), r, body?.data, body?.miscDataProps);
  });

  const update = async (req: FastifyRequest<{ Params: { id: string }; Body: unknown }>) => {
    await service.update(actorOf(req), r, req.params.id.toLowerCase(), (req.body as { data?: unknown } | undefined)?.data);
    return {};
  };
  const updateSchema = { tags, summary: `Update ${r.title}`, params: idParams, body: offered('update', s.updateBody), response: { 200: empty, ...errors, 405: errorBody, 409: errorBody } };
  z$.put(`${base}/:id`, { config, schema: updateSchema }, update);
  z$.post(`${base}/:id/update-item`, { config, schema: updateSchema }, update);

  const del = async (req: FastifyRequest<{ Params: { id: string } }>) => {
    await service.delete(actorOf(req), r, req.params.id.toLowerCase());
    return {};
  };
  const deleteSchema = { tags, summary: `Delete ${r.title}`, params: idParams, response: { 200: empty, ...errors, 405: errorBody, 409: errorBody } };
  z$.delete(`${base}/:id`, { config, schema: deleteSchema }, del);
  z$.post(`${base}/:id/delete-item`, { config, schema: deleteSchema }, del);
}

/** A query-string parameter that carries JSON (GET requests have no body). */
function jsonParam(name: string, raw: string | undefined): unknown {
  if (raw === undefined || raw === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw invalidField(name, 'must be URL-encoded JSON');
  }
}
