import { newId } from '../storage/ids.ts';
import { sql } from 'kysely';
import type { Clock } from '../storage/clock.ts';
import type { Db } from '../storage/database.ts';
import { seedSeverities } from '../incidents/severities.ts';
import { insertApiKey } from './api-keys.ts';
import { addMember, findOrCreateUser } from './users.ts';

export interface NewProject {
  readonly name: string;
  readonly ownerEmail: string;
  readonly ownerName?: string;
}

export interface CreatedProject {
  readonly projectId: string;
  readonly userId: string;
  /** The owner's API key, shown once. */
  readonly apiKey: string;
}

/** Creates a project, its owner (or adds an existing user as owner) and an owner API key, in one transaction. */
export async function createProject(db: Db, clock: Clock, p: NewProject): Promise<CreatedProject> {
  return db.transaction().execute(async (tx) => {
    const now = clock.now();
    const projectId = newId();
    const user = await findOrCreateUser(tx, p.ownerEmail, p.ownerName ?? p.ownerEmail.split('@')[0]!, now);
    await sql`insert into project (id, name, created_at, updated_at, created_by_user_id)
      values (${projectId}, ${p.name}, ${now}, ${now}, ${user.id})`.execute(tx);
    await addMember(tx, { projectId, userId: user.id, role: 'Project Owner', now, createdBy: user.id });
    await seedSeverities(tx, projectId, now);
    const key = await insertApiKey(tx, {
      projectId,
      name: 'Owner key',
      role: 'Project Owner',
      permissions: [],
      expiresAt: null,
      userId: user.id,
      createdByUserId: user.id,
      now,
    });
    return { projectId, userId: user.id, apiKey: key.secret };
  });
}
