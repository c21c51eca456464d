import type { Actor } from '../../access/actor.ts';
import { permits } from '../../access/roles.ts';
import { forbidden } from '../../errors.ts';

const MANAGERS = ['Project Owner', 'Project Admin'] as const;

/** Whether the caller may manage every user's contact methods and rules (Owner, Admin, or Vigil itself). */
export function managesEveryone(actor: Actor): boolean {
  return actor.kind === 'system' || permits(actor.permissions, MANAGERS);
}

/**
 * Throws 403 unless the caller may manage what belongs to `userId`: their own (the key acts
 * for that user), or anyone's as a Project Owner or Admin. `userId` null (a project's shared
 * workspace destination) is for Owners and Admins only.
 */
export function assertMayManage(actor: Actor, userId: string | null, title: string): void {
  if (managesEveryone(actor)) return;
  if (userId !== null && actor.userId === userId) return;
  throw forbidden(
    userId === null
      ? `Permission denied: only a Project Owner or Project Admin may manage the project's shared ${title}s`
      : `Permission denied: you may manage only your own ${title}s; another user's need Project Owner or Project Admin`,
  );
}
