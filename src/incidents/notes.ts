import { sql } from 'kysely';
import { invalidField, notFound } from '../errors.ts';
import type { ChangeContext } from './change-context.ts';
import { journal } from './journal.ts';
import { label, TABLE, type SubjectType } from './subjects.ts';

export const MAX_NOTE_LENGTH = 10_000;

/** Adds a note to an incident, alert or episode's feed. */
export async function addNote(ctx: ChangeContext, type: SubjectType, id: string, note: string): Promise<void> {
  const text = note.trim();
  if (text === '') throw invalidField('note', 'must not be empty');
  if (text.length > MAX_NOTE_LENGTH) throw invalidField('note', `must be at most ${MAX_NOTE_LENGTH} characters`);
  const res = await sql`select 1 from ${sql.table(TABLE[type])} where id = ${id} and project_id = ${ctx.projectId}`.execute(ctx.tx);
  if (res.rows.length === 0) throw notFound(`No ${label(type)} with _id ${id} in this project`);
  await journal(ctx, { subjectType: type, subjectId: id, kind: 'note_added', message: text, data: { note: text } });
}
