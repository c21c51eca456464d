import { newId } from '../../../storage/ids.ts';
import { sql } from 'kysely';
import { generateRoutingKey } from '../../../access/api-key-secret.ts';
import { standardPermissions } from '../../../access/roles.ts';
import { invalidField } from '../../../errors.ts';
import { defineResource, type Values } from '../../definition.ts';
import { PRIORITIES } from './item.ts';

export const INTEGRATION_TYPES = ['pagerduty-events-v2', 'alertmanager', 'generic', 'heartbeat'] as const;

/** Routes on which each integration type receives events, given its key. */
export function ingestPath(type: string, key: string): string {
  switch (type) {
    case 'pagerduty-events-v2':
      return '/v2/enqueue';
    case 'alertmanager':
      return `/api/integrations/alertmanager/${key}`;
    case 'generic':
      return `/api/integrations/generic/${key}`;
    default:
      return `/api/heartbeat/${key}`;
  }
}

/**
 * A project's inbound endpoint. Its routing key is a secret: shown once on create
 * (`routingKey`), stored as a digest.
 */
export const integrationResource = defineResource({
  name: 'integration',
  title: 'Integration',
  description: 'Inbound endpoints: PagerDuty Events v2, Alertmanager, generic webhook. The routing key is shown once, on create.',
  table: 'integration',
  columns: {
    name: { kind: 'text', description: 'Name of the integration', required: true, update: true, maxLength: 200 },
    description: { kind: 'longText', description: 'Description', create: true, update: true, maxLength: 10_000 },
    integrationType: { kind: 'enum', description: 'pagerduty-events-v2, alertmanager, generic or heartbeat', values: INTEGRATION_TYPES, required: true },
    creates: { kind: 'enum', description: 'What its events open: alert (default) or incident', values: ['alert', 'incident'], create: true, update: true, default: 'alert' },
    severityMap: {
      kind: 'json',
      description: 'Source severity word → severity ID, e.g. {"critical": "<id>"}; unmapped words match severities by name',
      create: true,
      update: true,
    },
    labels: { kind: 'uuidArray', column: 'label_ids', description: 'Labels added to what it opens', create: true, update: true, references: 'label', default: [] },
    defaultPriority: { kind: 'enum', description: 'Priority of incidents it opens', values: PRIORITIES, create: true, update: true },
    episodeGroupBy: {
      kind: 'textArray',
      column: 'episode_group_by',
      description: 'Event fields whose values group what it raises into episodes, e.g. ["source", "custom_details.service"] (title, severity, or a dotted path into the event details)',
      create: true,
      update: true,
      maxLength: 200,
      default: [],
    },
    episodeWindowSeconds: {
      kind: 'integer',
      description: 'How long after it opened a grouped episode takes new members (no limit when null)',
      create: true,
      update: true,
      min: 1,
      max: 30 * 86_400,
    },
    isEnabled: { kind: 'boolean', description: 'Disabled integrations refuse events, as an unknown key would', create: true, update: true, default: true },
    keyPrefix: { kind: 'text', description: 'First characters of the routing key, to tell keys apart' },
  },
  permissions: standardPermissions('Integration'),
  hooks: {
    async beforeCreate(_ctx, v) {
      checkSeverityMap(v);
    },
    async beforeUpdate(_ctx, _id, v) {
      checkSeverityMap(v);
    },
    async create(ctx, v) {
      const id = newId();
      const key = generateRoutingKey();
      await sql`insert into integration (id, project_id, name, description, integration_type, creates, key_hash, key_prefix,
          severity_map, label_ids, default_priority, episode_group_by, episode_window_seconds, is_enabled, created_at, updated_at, created_by_user_id)
        values (${id}, ${ctx.projectId}, ${v.name}, ${v.description ?? null}, ${v.integrationType}, ${v.creates ?? 'alert'},
          ${key.hash}, ${key.prefix}, ${v.severityMap ?? '{}'}, ${v.labels ?? []}, ${v.defaultPriority ?? null}, ${v.episodeGroupBy ?? []}, ${v.episodeWindowSeconds ?? null},
          ${v.isEnabled ?? true}, ${ctx.now}, ${ctx.now}, ${ctx.actor.userId})`.execute(ctx.tx);
      return { id, extra: { routingKey: key.secret, ingestPath: ingestPath(v.integrationType as string, key.secret) } };
    },
  },
});

function checkSeverityMap(v: Values): void {
  if (v.severityMap === undefined || v.severityMap === null) return;
  const map = JSON.parse(v.severityMap as string) as unknown;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw invalidField('data.severityMap', 'must be an object of word: severity ID');
  for (const [word, id] of Object.entries(map)) {
    if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) throw invalidField(`data.severityMap.${word}`, 'must be a severity ID (UUID)');
  }
}
