import { sql } from 'kysely';
import { standardPermissions } from '../../../access/roles.ts';
import { conflict, invalidField } from '../../../errors.ts';
import { assign, markStarted, unassign } from '../../../incidents/assignment.ts';
import { apiChangeActor, type ChangeContext } from '../../../incidents/change-context.ts';
import { journal } from '../../../incidents/journal.ts';
import { followMembers, transition, type LifecycleAction } from '../../../incidents/lifecycle.ts';
import { isUnderMaintenance } from '../../../incidents/maintenance.ts';
import { EPISODE_OF, type ItemType, type State } from '../../../incidents/subjects.ts';
import { trigger } from '../../../incidents/trigger.ts';
import { attachPolicies } from '../../../policies/attach.ts';
import type { ColumnDef } from '../../column.ts';
import { defineResource, type Resource, type WriteContext } from '../../definition.ts';
import { lifecycleColumns } from './lifecycle-columns.ts';

export const PRIORITIES = ['L', 'N', 'M', 'H'] as const;

const TITLES: Record<ItemType, string> = { incident: 'Incident', alert: 'Alert' };

function changeContext(ctx: WriteContext): ChangeContext {
  return { tx: ctx.tx, projectId: ctx.projectId, actor: apiChangeActor(ctx.actor), now: ctx.now };
}

/** The action that moves an item from one state to another through the resource API. */
function actionFor(from: State, to: State): LifecycleAction {
  if (to === 'Acknowledged') return 'acknowledge';
  if (to === 'Resolved') return 'resolve';
  if (from === 'Acknowledged') throw conflict('data.state: an acknowledged item cannot go back to Created; resolve it, then reopen it');
  return 'reopen';
}

/** `incident` and `alert`: one definition shape, the incident adding what deadline escalation needs. */
export function itemResource(type: ItemType): Resource {
  const title = TITLES[type];
  const severity = type === 'incident' ? 'incidentSeverityId' : 'alertSeverityId';
  const columns: Record<string, ColumnDef> = {
    title: { kind: 'text', description: `Title of the ${type}`, required: true, update: true, maxLength: 1024 },
    description: { kind: 'longText', description: 'What happened, in detail', create: true, update: true, maxLength: 100_000 },
    [severity]: {
      kind: 'uuid',
      column: 'severity_id',
      description: `ID of the ${type} severity`,
      create: true,
      update: true,
      references: `${type}-severity`,
    },
    ...lifecycleColumns(title),
    integrationId: { kind: 'uuid', description: 'Integration that raised it, if one did' },
    monitorId: { kind: 'uuid', description: 'Monitor that raised it, if one did', create: true, references: 'monitor' },
    episodeId: { kind: 'uuid', description: 'Episode it belongs to', create: true, references: EPISODE_OF[type] },
    dedupKey: { kind: 'text', description: 'Triggers with the same key fold into this open item', create: true, maxLength: 255 },
    source: { kind: 'text', description: 'Where it came from: api, pagerduty-events-v2, alertmanager, generic, heartbeat' },
    labels: { kind: 'uuidArray', column: 'label_ids', description: 'IDs of labels', create: true, update: true, references: 'label', default: [] },
    onCallDutyPolicyIds: {
      kind: 'uuidArray',
      description: 'On-call duty policies to run for it, besides those its integration and routing rules choose (create only)',
      create: true,
      read: false,
      references: 'on-call-duty-policy',
    },
    customFields: { kind: 'json', description: 'Custom fields (JSON object)', create: true, update: true },
    links: { kind: 'json', description: 'Links: [{href, text}]', create: true, update: true },
    isSuppressed: { kind: 'boolean', description: 'Raised during scheduled maintenance: recorded, never paged' },
    eventCount: { kind: 'integer', description: 'Triggers folded into it, itself included' },
    lastEventAt: { kind: 'date', description: 'When the last trigger arrived' },
  };
  if (type === 'incident') {
    Object.assign(columns, {
      priority: { kind: 'enum', description: 'Priority for deadline escalation: L, N, M or H', values: PRIORITIES, create: true, update: true },
      incidentType: { kind: 'text', description: 'Type of incident, matched by escalation policies', create: true, update: true, maxLength: 200 },
      assigneeUserId: { kind: 'uuid', description: 'User the incident is assigned to', create: true, update: true, references: 'user' },
      assignedAt: { kind: 'date', description: 'When it was last assigned' },
      startedAt: { kind: 'date', description: 'When work on it started', update: true },
    } satisfies Record<string, ColumnDef>);
  }
  return defineResource({
    name: type,
    title,
    description: `${title}s: state Created → Acknowledged → Resolved, with who and when for each change.`,
    table: type,
    columns,
    permissions: standardPermissions(title),
    hooks: {
      async create(ctx, v) {
        const change = changeContext(ctx);
        const monitorId = (v.monitorId ?? null) as string | null;
        const result = await trigger(change, type, {
          title: v.title as string,
          description: (v.description ?? null) as string | null,
          severityId: (v[severity] ?? null) as string | null,
          monitorId,
          episodeId: (v.episodeId ?? null) as string | null,
          dedupKey: (v.dedupKey ?? null) as string | null,
          source: 'api',
          labels: (v.labels ?? []) as string[],
          customFields: v.customFields ? (JSON.parse(v.customFields as string) as Record<string, unknown>) : {},
          links: v.links ? (JSON.parse(v.links as string) as unknown[]) : [],
          suppressed: await isUnderMaintenance(ctx.tx, ctx.projectId, { monitorId }, ctx.now),
          priority: (v.priority ?? null) as string | null,
          incidentType: (v.incidentType ?? null) as string | null,
          assigneeUserId: (v.assigneeUserId ?? null) as string | null,
        });
        // Attached in the creating transaction, so the creation event's consumer finds them.
        if (result.created) await attachPolicies(ctx, { type, id: result.id }, (v.onCallDutyPolicyIds ?? []) as string[]);
        return { id: result.id };
      },
      async beforeUpdate(ctx, id, values) {
        const change = changeContext(ctx);
        const to = values.state as State | undefined;
        if (to === null) throw invalidField('data.state', 'must be one of: Created, Acknowledged, Resolved');
        delete values.state;
        const changeState = async () => {
          const current = await currentState(ctx, type, id);
          if (current === to) throw conflict(`data.state: the ${type} is already ${to}`);
          await transition(change, type, id, actionFor(current, to!), { mode: 'strict' });
        };
        // A resolve goes last, so one update can assign, record the start and resolve.
        if (to !== undefined && to !== 'Resolved') await changeState();
        if ('assigneeUserId' in values) {
          if (values.assigneeUserId === null) await unassign(change, id);
          else await assign(change, id, values.assigneeUserId as string);
          delete values.assigneeUserId;
        }
        if (values.startedAt !== undefined && values.startedAt !== null) {
          await markStarted(change, id, values.startedAt as Date);
          delete values.startedAt;
        }
        if (to === 'Resolved') await changeState();
        const fields = Object.keys(values);
        if (fields.length > 0) {
          await journal(change, { subjectType: type, subjectId: id, kind: 'updated', message: `Changed ${fields.join(', ')}`, data: { fields } });
        }
      },
      /** Deletes the item; its episode then follows the members it has left. */
      async delete(ctx, id) {
        const change = changeContext(ctx);
        const res = await sql<{ episode_id: string | null }>`delete from ${sql.table(type)}
          where id = ${id} and project_id = ${ctx.projectId} returning episode_id`.execute(ctx.tx);
        await journal(change, { subjectType: type, subjectId: id, kind: 'deleted', message: `${title} deleted` });
        const episodeId = res.rows[0]?.episode_id;
        if (episodeId) await followMembers(change, EPISODE_OF[type], episodeId);
      },
    },
  });
}

async function currentState(ctx: WriteContext, type: ItemType, id: string): Promise<State> {
  const res = await sql<{ state: State }>`select state from ${sql.table(type)} where id = ${id} and project_id = ${ctx.projectId}`.execute(ctx.tx);
  return res.rows[0]!.state;
}

