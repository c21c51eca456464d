import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Actor } from '../access/actor.ts';
import { authenticateApiKey } from '../access/api-keys.ts';
import { unauthorized, forbidden } from '../errors.ts';
import type { Clock } from '../storage/clock.ts';
import type { Db } from '../storage/database.ts';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
  interface FastifyContextConfig {
    /** Routes that need an API key set this. */
    auth?: boolean;
  }
}

/**
 * Authenticates requests to routes marked `config.auth`: header `ApiKey` (any case),
 * and the optional `ProjectID` / `tenantid` header must name the key's project.
 */
export function registerAuth(app: FastifyInstance, deps: { db: Db; clock: Clock }): void {
  app.decorateRequest('actor', null);
  app.addHook('onRequest', async (req) => {
    if (!req.routeOptions.config.auth) return;
    req.actor = await authenticate(req, deps);
  });
}

async function authenticate(req: FastifyRequest, deps: { db: Db; clock: Clock }): Promise<Actor> {
  const header = req.headers['apikey'];
  const secret = Array.isArray(header) ? header[0] : header;
  if (!secret) throw unauthorized('ApiKey header: missing; send your API key in the ApiKey header');
  if (secret.length > 200) throw unauthorized('ApiKey header: not a valid API key');
  const actor = await authenticateApiKey(deps.db, secret, deps.clock.now());
  if (!actor) throw unauthorized('ApiKey header: invalid, revoked or expired API key');
  const projectHeader = req.headers['projectid'] ?? req.headers['tenantid'];
  const projectId = Array.isArray(projectHeader) ? projectHeader[0] : projectHeader;
  if (projectId && projectId.toLowerCase() !== actor.projectId) {
    throw forbidden('ProjectID header: this API key does not belong to that project');
  }
  return actor;
}

/** The authenticated caller of a route marked `config.auth`. */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.actor) throw unauthorized('ApiKey header: missing');
  return req.actor;
}
