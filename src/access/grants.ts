import { forbidden } from '../errors.ts';
import type { Actor } from './actor.ts';
import { isRole, roleRank, type Role } from './roles.ts';

/**
 * Refuses to let a caller hand out more than it holds: a role above its own, or a
 * permission it does not have (owners hold every permission).
 */
export function assertCanGrant(actor: Actor, role: Role | null | undefined, permissions: readonly string[] = []): void {
  if (roleRank(role) > roleRank(actor.role)) {
    throw forbidden(`Permission denied: you cannot grant the role ${role}, which is above your own`);
  }
  if (actor.role === 'Project Owner') return;
  for (const p of permissions) {
    if (isRole(p) && roleRank(p) > roleRank(actor.role)) {
      throw forbidden(`Permission denied: you cannot grant ${p}, which is above your own role`);
    }
    if (!isRole(p) && !actor.permissions.has(p) && actor.role !== 'Project Admin') {
      throw forbidden(`Permission denied: you cannot grant ${p}, which you do not hold`);
    }
  }
}
