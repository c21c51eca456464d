import { sql } from 'kysely';
import { badRequest, conflict, notFound } from '../errors.ts';
import type { Db } from '../storage/database.ts';
import { newId } from '../storage/ids.ts';
import { normalizePolicy, type EntityReference, type EscalationPolicyDocument } from './policy.ts';

/** A stored policy: its key and its document as written. */
export interface StoredPolicy {
  readonly id: string;
  readonly document: EscalationPolicyDocument;
}

/** A fresh policy id: 32 hexadecimal digits, ordered by creation. */
export function newPolicyId(): string {
  return newId().replace(/-/g, '');
}

/** Every recipient entity must be a user (member) or a team of the project: one 400 naming each that is not. */
async function checkEntities(tx: Db, projectId: string, refs: readonly EntityReference[]): Promise<void> {
  if (refs.length === 0) return;
  const ids = [...new Set(refs.map((r) => r.id))];
  const res = await sql<{ id: string }>`select user_id::text as id from project_member where project_id = ${projectId} and user_id = any(${ids}::uuid[])
    union select id::text from team where project_id = ${projectId} and id = any(${ids}::uuid[])`.execute(tx);
  const known = new Set(res.rows.map((r) => r.id));
  const bad = refs.filter((r) => !known.has(r.id));
  if (bad.length > 0) throw badRequest(bad.map((r) => `${r.path}: no user or team with id ${r.id} in this project`).join('; '));
}

/** Validates and stores a new policy; 409 when its ID is taken in the project. Returns the stored document. */
export async function createPolicy(tx: Db, projectId: string, raw: unknown, by: string | null, now: Date): Promise<StoredPolicy> {
  const n = normalizePolicy(raw, { newId: newPolicyId });
  await checkEntities(tx, projectId, n.entities);
  const res = await sql`insert into escalation_policy (project_id, id, policy_id, name, document, created_at, updated_at, created_by_user_id)
    values (${projectId}, ${n.id}, ${n.document.PolicyId}, ${n.document.Name}, ${JSON.stringify(n.document)}, ${now}, ${now}, ${by})
    on conflict (project_id, id) do nothing`.execute(tx);
  if (Number(res.numAffectedRows ?? 0) === 0) throw conflict(`ID: an escalation policy with ID ${n.document.ID} exists in this project`);
  return { id: n.id, document: n.document };
}

/** Replaces a policy's whole document; 404 when there is none with this id. */
export async function replacePolicy(tx: Db, projectId: string, id: string, raw: unknown, now: Date): Promise<StoredPolicy> {
  const n = normalizePolicy(raw, { pathId: id, newId: newPolicyId });
  await checkEntities(tx, projectId, n.entities);
  const res = await sql`update escalation_policy set policy_id = ${n.document.PolicyId}, name = ${n.document.Name},
      document = ${JSON.stringify(n.document)}, updated_at = ${now}
    where project_id = ${projectId} and id = ${id.toLowerCase()}`.execute(tx);
  if (Number(res.numAffectedRows ?? 0) === 0) throw missing(id);
  return { id: n.id, document: n.document };
}

/** Deletes a policy; 404 when there is none with this id. */
export async function deletePolicy(tx: Db, projectId: string, id: string): Promise<void> {
  const res = await sql`delete from escalation_policy where project_id = ${projectId} and id = ${id.toLowerCase()}`.execute(tx);
  if (Number(res.numAffectedRows ?? 0) === 0) throw missing(id);
}

export async function getPolicy(db: Db, projectId: string, id: string): Promise<StoredPolicy> {
  const res = await sql<{ id: string; document: EscalationPolicyDocument }>`select id, document from escalation_policy
    where project_id = ${projectId} and id = ${id.toLowerCase()}`.execute(db);
  if (!res.rows[0]) throw missing(id);
  return res.rows[0];
}

/** A page of the project's policies, oldest first, and how many there are. */
export async function listPolicies(db: Db, projectId: string, page: { skip: number; limit: number }): Promise<{ count: number; data: StoredPolicy[] }> {
  const [rows, count] = await Promise.all([
    sql<{ id: string; document: EscalationPolicyDocument }>`select id, document from escalation_policy where project_id = ${projectId}
      order by created_at, id offset ${page.skip} limit ${page.limit}`.execute(db),
    sql<{ n: number }>`select count(*)::int as n from escalation_policy where project_id = ${projectId}`.execute(db),
  ]);
  return { count: count.rows[0]!.n, data: rows.rows };
}

/** Every policy of a project, for evaluation. */
export async function projectPolicies(db: Db, projectId: string): Promise<StoredPolicy[]> {
  const res = await sql<{ id: string; document: EscalationPolicyDocument }>`select id, document from escalation_policy
    where project_id = ${projectId} order by created_at, id`.execute(db);
  return res.rows;
}

function missing(id: string) {
  return notFound(`No escalation policy with ID ${id} in this project`);
}
