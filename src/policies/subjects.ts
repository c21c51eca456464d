import { sql } from 'kysely';
import { isEpisode, label, TABLE, type State, type SubjectType } from '../incidents/subjects.ts';
import type { Db } from '../storage/database.ts';
import type { SubjectRef } from './model.ts';

/** What routing and notification texts need to know about an incident, alert or episode. */
export interface SubjectInfo {
  readonly ref: SubjectRef;
  readonly title: string;
  readonly description: string | null;
  readonly state: State;
  readonly severityId: string | null;
  readonly severityName: string | null;
  readonly integrationId: string | null;
  readonly labelIds: readonly string[];
  readonly suppressed: boolean;
  readonly episodeId: string | null;
  readonly acknowledgedByUserId: string | null;
  readonly acknowledgedAt: Date | null;
}

interface Row {
  title: string;
  description: string | null;
  state: State;
  severity_id: string | null;
  severity_name: string | null;
  integration_id: string | null;
  label_ids: string[] | null;
  is_suppressed: boolean | null;
  episode_id: string | null;
  acknowledged_by_user_id: string | null;
  acknowledged_at: Date | null;
}

const SEVERITY_TABLE: Partial<Record<SubjectType, string>> = { incident: 'incident_severity', alert: 'alert_severity' };

/** Loads a subject of the project, or undefined when it does not exist (any more). */
export async function loadSubject(db: Db, projectId: string, ref: SubjectRef): Promise<SubjectInfo | undefined> {
  const t = sql.table(TABLE[ref.type]);
  const res = isEpisode(ref.type)
    ? await sql<Row>`select title, description, state, null::uuid as severity_id, null::text as severity_name, integration_id,
          null::uuid[] as label_ids, false as is_suppressed, null::uuid as episode_id, acknowledged_by_user_id, acknowledged_at
        from ${t} where id = ${ref.id} and project_id = ${projectId}`.execute(db)
    : await sql<Row>`select s.title, s.description, s.state, s.severity_id, sev.name as severity_name, s.integration_id,
          s.label_ids, s.is_suppressed, s.episode_id, s.acknowledged_by_user_id, s.acknowledged_at
        from ${t} s left join ${sql.table(SEVERITY_TABLE[ref.type]!)} sev on sev.id = s.severity_id
        where s.id = ${ref.id} and s.project_id = ${projectId}`.execute(db);
  const row = res.rows[0];
  if (!row) return undefined;
  return {
    ref,
    title: row.title,
    description: row.description,
    state: row.state,
    severityId: row.severity_id,
    severityName: row.severity_name,
    integrationId: row.integration_id,
    labelIds: row.label_ids ?? [],
    suppressed: row.is_suppressed === true,
    episodeId: row.episode_id,
    acknowledgedByUserId: row.acknowledged_by_user_id,
    acknowledgedAt: row.acknowledged_at,
  };
}

/** "Incident", "Alert episode", ... for messages. */
export function subjectLabel(type: SubjectType): string {
  return label(type);
}
