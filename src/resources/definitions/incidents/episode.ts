import { newId } from '../../../storage/ids.ts';
import { sql } from 'kysely';
import { standardPermissions } from '../../../access/roles.ts';
import { conflict, invalidField } from '../../../errors.ts';
import { apiChangeActor, type ChangeContext } from '../../../incidents/change-context.ts';
import { openEpisode } from '../../../incidents/episodes.ts';
import { journal } from '../../../incidents/journal.ts';
import { transition } from '../../../incidents/lifecycle.ts';
import type { EpisodeType, State } from '../../../incidents/subjects.ts';
import { defineResource, type Resource, type WriteContext } from '../../definition.ts';
import { lifecycleColumns } from './lifecycle-columns.ts';

const TITLES: Record<EpisodeType, string> = { 'alert-episode': 'Alert Episode', 'incident-episode': 'Incident Episode' };

function changeContext(ctx: WriteContext): ChangeContext {
  return { tx: ctx.tx, projectId: ctx.projectId, actor: apiChangeActor(ctx.actor), now: ctx.now };
}

/**
 * Episodes group alerts (or incidents) that belong together. Acknowledging or
 * resolving one does so for its members; its state follows its members.
 */
export function episodeResource(type: EpisodeType): Resource {
  const title = TITLES[type];
  return defineResource({
    name: type,
    title,
    description: `${title}s: groups of ${type === 'alert-episode' ? 'alerts' : 'incidents'} handled as one.`,
    table: type.replace('-', '_'),
    columns: {
      title: { kind: 'text', description: 'Title of the episode', required: true, update: true, maxLength: 1024 },
      description: { kind: 'longText', description: 'Description', create: true, update: true, maxLength: 100_000 },
      groupKey: { kind: 'text', description: 'Grouping key: members raised with this key join the open episode', create: true, maxLength: 1024 },
      integrationId: { kind: 'uuid', description: 'Integration that opened it, if one did' },
      ...lifecycleColumns(title),
    },
    permissions: standardPermissions(title),
    hooks: {
      async create(ctx, v) {
        const input = { title: v.title as string, description: (v.description ?? null) as string | null };
        if (v.groupKey) {
          const res = await openEpisode(changeContext(ctx), type, { ...input, groupKey: v.groupKey as string });
          if (!res.created) throw conflict(`data.groupKey: an open ${title} with this group key exists already`);
          return { id: res.id };
        }
        const id = newId();
        await sql`insert into ${sql.table(type.replace('-', '_'))} (id, project_id, title, description, state, created_at, updated_at, created_by_user_id)
          values (${id}, ${ctx.projectId}, ${input.title}, ${input.description}, 'Created', ${ctx.now}, ${ctx.now}, ${ctx.actor.userId})`.execute(ctx.tx);
        await journal(changeContext(ctx), { subjectType: type, subjectId: id, kind: 'created', message: `${title} created: ${input.title}` });
        return { id };
      },
      async beforeUpdate(ctx, id, values) {
        const change = changeContext(ctx);
        if (values.state === null) throw invalidField('data.state', 'must be one of: Created, Acknowledged, Resolved');
        if (values.state !== undefined) {
          const res = await sql<{ state: State }>`select state from ${sql.table(type.replace('-', '_'))} where id = ${id}`.execute(ctx.tx);
          const current = res.rows[0]!.state;
          const to = values.state as State;
          if (current === to) throw conflict(`data.state: the episode is already ${to}`);
          if (to === 'Created' && current === 'Acknowledged') throw conflict('data.state: an acknowledged episode cannot go back to Created');
          await transition(change, type, id, to === 'Acknowledged' ? 'acknowledge' : to === 'Resolved' ? 'resolve' : 'reopen', { mode: 'strict' });
          delete values.state;
        }
        const fields = Object.keys(values);
        if (fields.length > 0) await journal(change, { subjectType: type, subjectId: id, kind: 'updated', message: `Changed ${fields.join(', ')}`, data: { fields } });
      },
      async beforeDelete(ctx, id) {
        await journal(changeContext(ctx), { subjectType: type, subjectId: id, kind: 'deleted', message: `${title} deleted` });
      },
    },
  });
}
