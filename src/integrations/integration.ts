import { sql } from 'kysely';
import { hashApiKey } from '../access/api-key-secret.ts';
import type { Db } from '../storage/database.ts';
import type { ItemType } from '../incidents/subjects.ts';

export type IntegrationType = 'pagerduty-events-v2' | 'alertmanager' | 'generic' | 'heartbeat';

/** An enabled inbound endpoint, found by its routing key. */
export interface Integration {
  readonly id: string;
  readonly projectId: string;
  readonly name: string;
  readonly type: IntegrationType;
  /** Whether its events open alerts or incidents. */
  readonly creates: ItemType;
  readonly severityMap: Readonly<Record<string, string>>;
  readonly labelIds: readonly string[];
  readonly defaultPriority: string | null;
  /** Event fields whose values group what it raises into episodes (none: no grouping). */
  readonly episodeGroupBy: readonly string[];
  /** How long an episode takes new members after it opened; no limit when null. */
  readonly episodeWindowSeconds: number | null;
}

interface Row {
  id: string;
  project_id: string;
  name: string;
  integration_type: IntegrationType;
  creates: ItemType;
  severity_map: Record<string, string>;
  label_ids: string[];
  default_priority: string | null;
  episode_group_by: string[];
  episode_window_seconds: number | null;
}

/**
 * The enabled integration of the given type(s) whose routing key this is, or `null`
 * (unknown key, disabled, or another type). One indexed read of the key's digest.
 */
export async function findIntegration(db: Db, routingKey: string, types: readonly IntegrationType[]): Promise<Integration | null> {
  if (routingKey.length === 0 || routingKey.length > 200) return null;
  const res = await sql<Row>`select id, project_id, name, integration_type, creates, severity_map, label_ids, default_priority,
      episode_group_by, episode_window_seconds
    from integration where key_hash = ${hashApiKey(routingKey)} and is_enabled`.execute(db);
  const row = res.rows[0];
  if (!row || !types.includes(row.integration_type)) return null;
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    type: row.integration_type,
    creates: row.creates,
    severityMap: row.severity_map,
    labelIds: row.label_ids,
    defaultPriority: row.default_priority,
    episodeGroupBy: row.episode_group_by,
    episodeWindowSeconds: row.episode_window_seconds,
  };
}
