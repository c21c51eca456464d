import { newId } from '../storage/ids.ts';
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../storage/database.ts';
import type { ItemType } from './subjects.ts';

/** The severities every project starts with, most severe first. */
export const DEFAULT_SEVERITIES = [
  { name: 'Critical', description: 'Service down or data at risk; page now', color: '#d32f2f', order: 1 },
  { name: 'Major', description: 'Serious degradation; page', color: '#f57c00', order: 2 },
  { name: 'Minor', description: 'Limited impact; handle in hours', color: '#fbc02d', order: 3 },
  { name: 'Info', description: 'For information', color: '#1976d2', order: 4 },
] as const;

/** PagerDuty / Alertmanager severity words and the default severity each maps to. */
export const SOURCE_SEVERITY: Readonly<Record<string, string>> = {
  critical: 'Critical',
  error: 'Major',
  major: 'Major',
  high: 'Major',
  warning: 'Minor',
  minor: 'Minor',
  info: 'Info',
  low: 'Info',
};

const TABLES: Record<ItemType, string> = { incident: 'incident_severity', alert: 'alert_severity' };

/** Gives a new project the default incident and alert severities. */
export async function seedSeverities(db: Db, projectId: string, now: Date): Promise<void> {
  for (const table of Object.values(TABLES)) {
    for (const s of DEFAULT_SEVERITIES) {
      await sql`insert into ${sql.table(table)} (id, project_id, name, description, color, severity_order, created_at, updated_at)
        values (${newId()}, ${projectId}, ${s.name}, ${s.description}, ${s.color}, ${s.order}, ${now}, ${now})`.execute(db);
    }
  }
}

/**
 * The severity id for a source's severity word: the integration's own mapping first (only
 * to a severity of this project), then the default by name. `null` when neither gives one.
 */
export async function resolveSeverity(
  db: Db,
  type: ItemType,
  projectId: string,
  word: string | null | undefined,
  mapping: Readonly<Record<string, string>> = {},
): Promise<string | null> {
  const res = await sql<{ id: string | null }>`select ${severityIdQuery(type, projectId, word, mapping)} as id`.execute(db);
  return res.rows[0]?.id ?? null;
}

/**
 * The same lookup as {@link resolveSeverity}, as a SQL expression to embed in a larger
 * query (one round trip on the ingest path).
 */
export function severityIdQuery(
  type: ItemType,
  projectId: string,
  word: string | null | undefined,
  mapping: Readonly<Record<string, string>> = {},
): RawBuilder<string | null> {
  if (!word) return sql<null>`cast(null as uuid)`;
  const mapped = mapping[word] ?? mapping[word.toLowerCase()];
  const table = sql.table(TABLES[type]);
  // A mapped id counts only if it is a severity of this kind in this project (never another tenant's).
  if (mapped && /^[0-9a-f-]{36}$/i.test(mapped)) {
    return sql<string | null>`(select id from ${table} where project_id = ${projectId} and id = ${mapped}::uuid)`;
  }
  const name = SOURCE_SEVERITY[word.toLowerCase()] ?? word;
  return sql<string | null>`(select id from ${table} where project_id = ${projectId} and lower(name) = lower(${name}))`;
}
