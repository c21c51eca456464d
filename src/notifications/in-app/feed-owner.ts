import type { Actor } from '../../access/actor.ts';
import { permits } from '../../access/roles.ts';
import { isMember } from '../../access/users.ts';
import { forbidden, invalidField, notFound } from '../../errors.ts';
import type { Db } from '../../storage/database.ts';

/**
 * Who may read or mark another user's in-app notifications. Every role implies "Read All
 * Project Resources", so that grant alone (a Viewer) does not open someone else's feed:
 * it is personal, like their inbox.
 */
export const FEED_ADMINS = ['Project Owner', 'Project Admin'] as const;

/**
 * The user whose feed a request reads: the one asked for (`?userId`), which must be the key's
 * own user or, for owners and admins, a member of the key's project (403 / 404 otherwise);
 * else the key's own user (400 naming `userId` when the key acts for no user).
 */
export async function feedOwner(db: Db, actor: Actor, requested: string | undefined): Promise<string> {
  if (requested === undefined) {
    if (!actor.userId) throw invalidField('userId', 'required: this API key acts for no user; name the user whose notifications to read');
    return actor.userId;
  }
  const id = requested.toLowerCase();
  if (id === actor.userId) return id;
  assertFeedAdmin(actor);
  if (!(await isMember(db, actor.projectId, id))) throw notFound(`No user with _id ${id} in this project`);
  return id;
}

/** Throws 403 unless the actor may act on other users' in-app notifications. */
export function assertFeedAdmin(actor: Actor): void {
  if (!permits(actor.permissions, FEED_ADMINS)) {
    throw forbidden(`Permission denied: another user's in-app notifications need one of: ${FEED_ADMINS.join(', ')}`);
  }
}
