import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { alertmanagerEvents } from '../../integrations/alertmanager/inbound-events.ts';
import { alertmanagerWebhookSchema } from '../../integrations/alertmanager/webhook.ts';
import type { BatchResult } from '../../integrations/ingest.ts';
import type { IngestDeps } from './deps.ts';
import { useInboundValidator } from './inbound-validator.ts';
import { resolveRoutingKey, secretPathLogSerializers } from './routing-key-scope.ts';
import { useWebhookBodyParsers } from './webhook-body.ts';

/** What happened to one alert of a notification. */
type Outcome = 'created' | 'folded' | 'unchanged' | 'resolved';

/**
 * Alertmanager webhook (version 4): POST /api/integrations/alertmanager/:key.
 * The whole notification is written in one transaction before the 200; a storage failure
 * is a 5xx, so Alertmanager retries, and a redelivery changes nothing. Unknown, disabled or
 * non-Alertmanager keys are 404s, bad bodies 400s naming every bad field; neither writes.
 */
export async function registerAlertmanagerRoutes(app: FastifyInstance, deps: IngestDeps): Promise<void> {
  await useWebhookBodyParsers(app, { form: false });
  useInboundValidator(app);
  const integrationOf = resolveRoutingKey(app, deps.db, 'alertmanager');
  app.withTypeProvider<ZodTypeProvider>().post(
    '/api/integrations/alertmanager/:key',
    {
      logSerializers: secretPathLogSerializers,
      schema: {
        tags: ['Ingest'],
        summary: 'Receive an Alertmanager webhook notification (version 4)',
        description:
          'Point an Alertmanager webhook_config url at this path (the key is the integration routing key). Each alert is tracked ' +
          'by fingerprint: firing opens or folds into an alert, resolved resolves it; the group becomes an alert episode keyed ' +
          'by groupKey. 200 once written; 5xx means retry.',
        security: [],
        body: alertmanagerWebhookSchema,
      },
    },
    async (req) => {
      const integration = integrationOf(req);
      const results = await deps.ingest.applyBatch(integration, alertmanagerEvents(req.body));
      return {
        status: 'success',
        alerts: req.body.alerts.map((a, i) => ({ fingerprint: a.fingerprint, status: a.status, outcome: outcome(results[i]!) })),
      };
    },
  );
}

function outcome(r: BatchResult): Outcome {
  if (r.action === 'trigger') return r.created ? 'created' : r.redelivery ? 'unchanged' : 'folded';
  return r.changed ? 'resolved' : 'unchanged';
}
