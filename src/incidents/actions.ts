import type { Actor } from '../access/actor.ts';
import { invalidField } from '../errors.ts';
import type { Clock } from '../storage/clock.ts';
import type { Db } from '../storage/database.ts';
import { assign, markStarted, unassign } from './assignment.ts';
import { apiChangeActor, type ChangeContext } from './change-context.ts';
import { transition } from './lifecycle.ts';
import { addNote } from './notes.ts';
import type { SubjectType } from './subjects.ts';

export const ACTIONS = ['acknowledge', 'resolve', 'reopen', 'note', 'assign', 'unassign', 'start'] as const;
export type Action = (typeof ACTIONS)[number];

/** Actions only incidents have. */
export const INCIDENT_ONLY: readonly Action[] = ['assign', 'unassign', 'start'];

export interface ActionInput {
  readonly note?: string;
  readonly userId?: string;
  readonly startedAt?: string;
}

/**
 * Runs one lifecycle action from the API in its own transaction. Illegal transitions
 * are 409s that change nothing.
 */
export async function runAction(
  deps: { db: Db; clock: Clock },
  actor: Actor,
  type: SubjectType,
  id: string,
  action: Action,
  input: ActionInput,
): Promise<void> {
  await deps.db.transaction().execute(async (tx) => {
    const ctx: ChangeContext = { tx, projectId: actor.projectId, actor: apiChangeActor(actor), now: deps.clock.now() };
    switch (action) {
      case 'acknowledge':
      case 'resolve':
      case 'reopen':
        await transition(ctx, type, id, action, { mode: 'strict' });
        return;
      case 'note':
        if (typeof input.note !== 'string') throw invalidField('note', 'is required');
        await addNote(ctx, type, id, input.note);
        return;
      case 'assign':
        if (typeof input.userId !== 'string') throw invalidField('userId', 'is required');
        await assign(ctx, id, input.userId.toLowerCase());
        return;
      case 'unassign':
        await unassign(ctx, id);
        return;
      case 'start': {
        const at = input.startedAt ? new Date(input.startedAt) : ctx.now;
        await markStarted(ctx, id, at);
        return;
      }
    }
  });
}
