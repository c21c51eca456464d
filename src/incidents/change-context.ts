import type { Actor } from '../access/actor.ts';
import type { Db } from '../storage/database.ts';

/** Who or what caused a change, as the activity feed records it. */
export interface ChangeActor {
  readonly type: 'user' | 'api-key' | 'integration' | 'monitor' | 'system';
  readonly id: string | null;
  /** The person behind the change, when there is one. */
  readonly userId: string | null;
  /** The channel it came through: api, integration, dashboard, sms, slack, system, ... */
  readonly via: string;
}

/** Everything a lifecycle change needs: the open transaction, the project, the cause and the instant. */
export interface ChangeContext {
  readonly tx: Db;
  readonly projectId: string;
  readonly actor: ChangeActor;
  readonly now: Date;
}

/** The change actor for a call to the API. */
export function apiChangeActor(actor: Actor): ChangeActor {
  return actor.kind === 'system'
    ? { type: 'system', id: null, userId: actor.userId, via: 'system' }
    : { type: 'api-key', id: actor.apiKeyId, userId: actor.userId, via: 'api' };
}

export function integrationChangeActor(integrationId: string, via: string): ChangeActor {
  return { type: 'integration', id: integrationId, userId: null, via };
}

export const systemChangeActor: ChangeActor = { type: 'system', id: null, userId: null, via: 'system' };
