import { newId } from '../storage/ids.ts';
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { conflict, invalidField, notFound } from '../errors.ts';
import type { Db } from '../storage/database.ts';
import type { Field } from './column.ts';
import type { CreateResult, Resource, Values, WriteContext } from './definition.ts';
import { allOf } from './query-filter.ts';
import type { ResourceRegistry } from './registry.ts';
import type { SortKey } from './list-request.ts';

type Condition = RawBuilder<SqlBool>;
export type Row = Record<string, unknown>;

export interface ListQuery {
  readonly fields: readonly Field[];
  readonly conditions: readonly Condition[];
  readonly sort: readonly SortKey[];
  readonly skip: number;
  readonly limit: number;
}

/**
 * The only place resource rows meet SQL. Every statement is scoped to one project:
 * the tenant condition is added here, never left to callers.
 */
export class ResourceStore {
  constructor(private readonly registry: ResourceRegistry) {}

  async list(db: Db, r: Resource, projectId: string, q: ListQuery): Promise<{ count: number; rows: Row[] }> {
    const where = this.#scoped(r, projectId, q.conditions);
    const order = sql.join(q.sort.map((k) => sql`${sql.ref(k.field.sqlColumn)} ${sql.raw(k.direction)}`));
    const [rows, count] = await Promise.all([
      sql<Row>`select ${selection(q.fields)} from ${sql.table(r.table)} where ${where}
               order by ${order} limit ${q.limit} offset ${q.skip}`.execute(db),
      this.count(db, r, projectId, q.conditions),
    ]);
    return { count, rows: rows.rows };
  }

  async count(db: Db, r: Resource, projectId: string, conditions: readonly Condition[]): Promise<number> {
    const res = await sql<{ count: number }>`select count(*)::int as count from ${sql.table(r.table)}
      where ${this.#scoped(r, projectId, conditions)}`.execute(db);
    return res.rows[0]?.count ?? 0;
  }

  async get(db: Db, r: Resource, projectId: string, id: string, fields: readonly Field[]): Promise<Row | undefined> {
    const res = await sql<Row>`select ${selection(fields)} from ${sql.table(r.table)}
      where ${this.#scoped(r, projectId, [byId(id)])}`.execute(db);
    return res.rows[0];
  }

  /** Inserts a row (or runs the resource's create hook) and returns its id. */
  async create(ctx: WriteContext, r: Resource, values: Values, misc?: Record<string, unknown>): Promise<CreateResult> {
    await this.#checkReferences(ctx, r, values);
    await r.hooks?.beforeCreate?.(ctx, values, misc);
    if (r.hooks?.create) return r.hooks.create(ctx, values, misc);
    const id = newId();
    const row: Row = { id, [r.tenantColumn]: ctx.projectId, created_at: ctx.now, updated_at: ctx.now };
    if (r.fields.has('createdByUserId')) row.created_by_user_id = ctx.actor.userId;
    for (const [name, field] of r.fields) {
      if (!field.creatable) continue;
      const v = name in values ? values[name] : field.default;
      if (v !== undefined) row[field.sqlColumn] = v;
    }
    await insertRow(ctx.tx, r.table, row);
    return { id };
  }

  /** Changes the given fields of row `id`; 404 when the project has no such row. */
  async update(ctx: WriteContext, r: Resource, id: string, values: Values): Promise<void> {
    await this.#mustExist(ctx, r, id);
    await this.#checkReferences(ctx, r, values);
    await r.hooks?.beforeUpdate?.(ctx, id, values);
    if (r.hooks?.update) return r.hooks.update(ctx, id, values);
    if (Object.keys(values).length === 0) return;
    const sets = Object.entries(values).map(([name, v]) => sql`${sql.ref(r.fields.get(name)!.sqlColumn)} = ${v}`);
    sets.push(sql`updated_at = ${ctx.now}`);
    await sql`update ${sql.table(r.table)} set ${sql.join(sets)} where ${this.#scoped(r, ctx.projectId, [byId(id)])}`.execute(ctx.tx);
  }

  /** Deletes row `id`; 404 when the project has no such row. */
  async delete(ctx: WriteContext, r: Resource, id: string): Promise<void> {
    await this.#mustExist(ctx, r, id);
    await r.hooks?.beforeDelete?.(ctx, id);
    if (r.hooks?.delete) return r.hooks.delete(ctx, id);
    await sql`delete from ${sql.table(r.table)} where ${this.#scoped(r, ctx.projectId, [byId(id)])}`.execute(ctx.tx);
  }

  /** Whether the project has a row `id` of resource `r` (locks it when `forUpdate`). */
  async exists(db: Db, r: Resource, projectId: string, id: string): Promise<boolean> {
    const res = await sql`select 1 from ${sql.table(r.table)} where ${this.#scoped(r, projectId, [byId(id)])}`.execute(db);
    return res.rows.length > 0;
  }

  #scoped(r: Resource, projectId: string, conditions: readonly Condition[]): Condition {
    return allOf([sql<SqlBool>`${sql.ref(r.tenantColumn)} = ${projectId}`, ...conditions]);
  }

  async #mustExist(ctx: WriteContext, r: Resource, id: string): Promise<void> {
    if (!(await this.exists(ctx.tx, r, ctx.projectId, id))) throw notFound(`No ${r.title} with _id ${id} in this project`);
  }

  /** Ids that point at other resources must name rows of the same project. */
  async #checkReferences(ctx: WriteContext, r: Resource, values: Values): Promise<void> {
    for (const [name, v] of Object.entries(values)) {
      const field = r.fields.get(name);
      if (!field?.references || v === null || v === undefined) continue;
      const target = this.registry.get(field.references)!;
      const ids = Array.isArray(v) ? (v as string[]) : [v as string];
      for (const id of ids) {
        if (!(await this.exists(ctx.tx, target, ctx.projectId, id))) {
          throw invalidField(`data.${name}`, `no ${target.title} with _id ${id} in this project`);
        }
      }
    }
  }
}

function selection(fields: readonly Field[]) {
  return sql.join(fields.map((f) => sql`${sql.ref(f.sqlColumn)} as ${sql.ref(f.name)}`));
}

function byId(id: string): Condition {
  return sql<SqlBool>`id = ${id}`;
}

/** Inserts one row given as column → value. */
export async function insertRow(db: Db, table: string, row: Row): Promise<void> {
  const cols = Object.keys(row);
  await sql`insert into ${sql.table(table)} (${sql.join(cols.map((c) => sql.ref(c)))})
    values (${sql.join(cols.map((c) => row[c]))})`.execute(db);
}

/** Maps a unique-constraint violation to a 409 that says what is already taken. */
export function conflictFromUniqueViolation(err: unknown, title: string): never {
  if (isPgError(err, '23505')) throw conflict(`A ${title} with these values already exists`);
  throw err;
}

export function isPgError(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
