import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { genericInboundEvent } from '../../integrations/generic/inbound-event.ts';
import { genericEventSchema } from '../../integrations/generic/webhook-event.ts';
import type { IngestDeps } from './deps.ts';
import { useInboundValidator } from './inbound-validator.ts';
import { resolveRoutingKey, secretPathLogSerializers } from './routing-key-scope.ts';
import { useWebhookBodyParsers } from './webhook-body.ts';

/**
 * Generic webhook: POST /api/integrations/generic/:key, JSON or form-encoded
 * `{summary, details, severity, dedupKey, action}`. 202 `{"status":"success","dedupKey"}`
 * once written; acknowledge or resolve of an unknown or resolved key is accepted and
 * changes nothing. 400 names every bad field, 404 unknown key, 415 other content types;
 * none of them writes anything.
 */
export async function registerGenericWebhookRoutes(app: FastifyInstance, deps: IngestDeps): Promise<void> {
  await useWebhookBodyParsers(app, { form: true });
  useInboundValidator(app);
  const integrationOf = resolveRoutingKey(app, deps.db, 'generic');
  app.withTypeProvider<ZodTypeProvider>().post(
    '/api/integrations/generic/:key',
    {
      logSerializers: secretPathLogSerializers,
      schema: {
        tags: ['Ingest'],
        summary: 'Trigger, acknowledge or resolve an alert through a generic webhook',
        description:
          'JSON or application/x-www-form-urlencoded. action defaults to trigger; a trigger without dedupKey gets a new one, ' +
          'returned in the answer; acknowledge and resolve need the dedupKey.',
        security: [],
        body: genericEventSchema,
      },
    },
    async (req, reply) => {
      const integration = integrationOf(req);
      const { dedupKey, event } = genericInboundEvent(req.body);
      await deps.ingest.applyBatch(integration, [event]);
      return reply.status(202).send({ status: 'success', dedupKey });
    },
  );
}
