import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

/**
 * Registers the OpenAPI generator. Route schemas are the zod schemas that validate
 * requests, so the document cannot drift from what the server accepts.
 * Must be registered before any route.
 */
export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Vigil API',
        version,
        description:
          'On-call, escalation and notification. Resource routes follow OneUptime\'s API: ' +
          'get-list, get-item, count, create, update, delete. Authenticate with the ApiKey header. ' +
          'Input values may also be given wrapped, as {"_type": "ObjectID" | "DateTime" | ..., "value": ...}.',
      },
      components: {
        securitySchemes: { ApiKey: { type: 'apiKey', in: 'header', name: 'ApiKey' } },
      },
      security: [{ ApiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  app.get('/api/openapi.json', { config: { rateLimit: false }, schema: { hide: true } }, async () => app.swagger());
}
