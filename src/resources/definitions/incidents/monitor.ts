import { newId } from '../../../storage/ids.ts';
import { sql } from 'kysely';
import { generateRoutingKey } from '../../../access/api-key-secret.ts';
import { standardPermissions } from '../../../access/roles.ts';
import { defineResource } from '../../definition.ts';

/**
 * Heartbeat monitors: something pings `/api/heartbeat/<key>` at least every
 * `intervalSeconds` (+ `graceSeconds`); a missed ping opens an alert, the next ping
 * resolves it. The key is shown once, on create.
 */
export const monitorResource = defineResource({
  name: 'monitor',
  title: 'Monitor',
  description: 'Heartbeat monitors. The heartbeat key is shown once, on create.',
  table: 'monitor',
  columns: {
    name: { kind: 'text', description: 'Name of the monitor', required: true, update: true, maxLength: 200 },
    description: { kind: 'longText', description: 'Description', create: true, update: true, maxLength: 10_000 },
    monitorType: { kind: 'enum', description: 'heartbeat', values: ['heartbeat'], create: true, default: 'heartbeat' },
    intervalSeconds: { kind: 'integer', description: 'Expected seconds between pings', required: true, update: true, min: 1, max: 31 * 86_400 },
    graceSeconds: { kind: 'integer', description: 'Extra seconds allowed before the ping counts as missed', create: true, update: true, min: 0, max: 86_400, default: 0 },
    alertSeverityId: { kind: 'uuid', description: 'Severity of the alert a missed heartbeat opens', create: true, update: true, references: 'alert-severity' },
    status: { kind: 'text', description: 'Unknown (no ping yet), Up or Down' },
    lastPingAt: { kind: 'date', description: 'When the last ping arrived' },
    nextDueAt: { kind: 'date', description: 'When the next ping is due at the latest' },
    currentAlertId: { kind: 'uuid', description: 'The open alert of a Down monitor' },
    keyPrefix: { kind: 'text', description: 'First characters of the heartbeat key' },
  },
  permissions: standardPermissions('Monitor'),
  hooks: {
    /** A new interval or grace moves the current deadline at once, not only after the next ping. */
    async beforeUpdate(ctx, id, v) {
      if (v.intervalSeconds === undefined && v.graceSeconds === undefined) return;
      await sql`update monitor set next_due_at = last_ping_at
          + make_interval(secs => coalesce(${v.intervalSeconds ?? null}::int, interval_seconds) + coalesce(${v.graceSeconds ?? null}::int, grace_seconds))
        where id = ${id} and project_id = ${ctx.projectId} and last_ping_at is not null`.execute(ctx.tx);
    },
    async create(ctx, v) {
      const id = newId();
      const key = generateRoutingKey();
      await sql`insert into monitor (id, project_id, name, description, monitor_type, interval_seconds, grace_seconds, key_hash,
          key_prefix, alert_severity_id, status, created_at, updated_at, created_by_user_id)
        values (${id}, ${ctx.projectId}, ${v.name}, ${v.description ?? null}, 'heartbeat', ${v.intervalSeconds}, ${v.graceSeconds ?? 0},
          ${key.hash}, ${key.prefix}, ${v.alertSeverityId ?? null}, 'Unknown', ${ctx.now}, ${ctx.now}, ${ctx.actor.userId})`.execute(ctx.tx);
      return { id, extra: { heartbeatKey: key.secret, heartbeatPath: `/api/heartbeat/${key.secret}` } };
    },
  },
});
