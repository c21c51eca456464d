import type { ChangeActor } from '../../incidents/change-context.ts';

/** The feed's actor for what a heartbeat monitor does on its own: open its alert on a miss, resolve it on the next ping. */
export function monitorChangeActor(monitorId: string): ChangeActor {
  return { type: 'monitor', id: monitorId, userId: null, via: 'heartbeat' };
}
