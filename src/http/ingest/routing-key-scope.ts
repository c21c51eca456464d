import type { FastifyInstance, FastifyRequest } from 'fastify';
import { notFound } from '../../errors.ts';
import { findIntegration, type Integration, type IntegrationType } from '../../integrations/integration.ts';
import type { Db } from '../../storage/database.ts';

/**
 * Resolves the `:key` path parameter of every route in this encapsulated scope to its
 * enabled integration of the given type, before the body is read: an unknown or disabled
 * key, or a key of another type, is a 404 that writes nothing. Returns the accessor the
 * handlers use. The key itself never appears in an answer.
 */
export function resolveRoutingKey(scope: FastifyInstance, db: Db, type: IntegrationType): (req: FastifyRequest) => Integration {
  const found = new WeakMap<FastifyRequest, Integration>();
  scope.addHook('onRequest', async (req) => {
    const key = (req.params as { key?: string }).key ?? '';
    const integration = await findIntegration(db, key, [type]);
    if (!integration) throw notFound(`No enabled ${type} integration has this key; check the URL`);
    found.set(req, integration);
  });
  return (req) => {
    const integration = found.get(req);
    if (!integration) throw notFound(`No enabled ${type} integration has this key; check the URL`);
    return integration;
  };
}

/**
 * Request log serializer for routes with a secret in the path: logs the route pattern
 * (`/api/integrations/alertmanager/:key`), never the URL that carries the key.
 */
export const secretPathLogSerializers = {
  req: (req: FastifyRequest) => ({
    method: req.method,
    url: req.routeOptions?.url ?? '[redacted]',
    host: req.host,
    remoteAddress: req.ip,
  }),
};
