import { newId } from '../../storage/ids.ts';
import { sql } from 'kysely';
import type { Db } from '../../storage/database.ts';
import type { Integration } from '../integration.ts';
import type { ChangeEvent } from './change-event.ts';

/**
 * Stores a change event received through an integration (one insert, committed when it
 * returns) and returns its id. Change events are context: they open nothing and page
 * no one.
 */
export async function insertChangeEvent(db: Db, integration: Integration, e: ChangeEvent, now: Date): Promise<string> {
  const id = newId();
  await sql`insert into change_event (id, project_id, integration_id, summary, source, occurred_at, custom_details, links, created_at, updated_at)
    values (${id}, ${integration.projectId}, ${integration.id}, ${e.summary}, ${e.source ?? null}, ${e.timestamp ?? null},
      ${JSON.stringify(e.customDetails ?? {})}, ${JSON.stringify(e.links)}, ${now}, ${now})`.execute(db);
  return id;
}
