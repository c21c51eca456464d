import type { Actor } from '../access/actor.ts';
import { permits } from '../access/roles.ts';
import { forbidden, invalidField, methodNotAllowed, notFound } from '../errors.ts';
import type { Clock } from '../storage/clock.ts';
import type { Db } from '../storage/database.ts';
import type { SecretBox } from '../notifications/secrets.ts';
import type { Operation, Resource, Values, WriteContext } from './definition.ts';
import { parsePaging, parseSelect, parseSort } from './list-request.ts';
import { compileFilter } from './query-filter.ts';
import { conflictFromUniqueViolation, isPgError, type ResourceStore, type Row } from './store.ts';
import { coerceForWrite, unwrap } from './values.ts';

export interface ListInput {
  readonly select?: unknown;
  readonly query?: unknown;
  readonly sort?: unknown;
  readonly skip?: unknown;
  readonly limit?: unknown;
}

export interface ListOutput {
  readonly count: number;
  readonly limit: number;
  readonly skip: number;
  readonly data: Row[];
}

const VERB: Record<Operation, string> = { read: 'read', create: 'created', update: 'updated', delete: 'deleted' };

/**
 * The resource API's operations, for any resource: permission check, input check,
 * then the store, each write in one transaction.
 */
export class ResourceService {
  constructor(
    private readonly db: Db,
    private readonly store: ResourceStore,
    private readonly clock: Clock,
    private readonly secrets: SecretBox,
  ) {}

  async list(actor: Actor, r: Resource, input: ListInput): Promise<ListOutput> {
    authorize(actor, r, 'read');
    const fields = parseSelect(r, input.select);
    const conditions = compileFilter(r, input.query);
    const sort = parseSort(r, input.sort);
    const { skip, limit } = parsePaging(input.skip, input.limit);
    const { count, rows } = await this.store.list(this.db, r, actor.projectId, { fields, conditions, sort, skip, limit });
    return { count, limit, skip, data: rows };
  }

  async count(actor: Actor, r: Resource, query: unknown): Promise<number> {
    authorize(actor, r, 'read');
    return this.store.count(this.db, r, actor.projectId, compileFilter(r, query));
  }

  async get(actor: Actor, r: Resource, id: string, select: unknown): Promise<Row> {
    authorize(actor, r, 'read');
    const row = await this.store.get(this.db, r, actor.projectId, id, parseSelect(r, select));
    if (!row) throw notFound(`No ${r.title} with _id ${id} in this project`);
    return row;
  }

  /** Creates a row and answers it as a default get-item would, plus any one-time fields. */
  async create(actor: Actor, r: Resource, data: unknown, misc?: Record<string, unknown>): Promise<Row> {
    authorize(actor, r, 'create');
    const values = parseWriteData(actor, r, data, 'create');
    const result = await this.#write(actor, r, (ctx) => this.store.create(ctx, r, values, misc));
    const row = await this.store.get(this.db, r, actor.projectId, result.id, parseSelect(r, undefined));
    return { ...row, ...result.extra };
  }

  async update(actor: Actor, r: Resource, id: string, data: unknown): Promise<void> {
    authorize(actor, r, 'update');
    const values = parseWriteData(actor, r, data, 'update');
    await this.#write(actor, r, (ctx) => this.store.update(ctx, r, id, values));
  }

  async delete(actor: Actor, r: Resource, id: string): Promise<void> {
    authorize(actor, r, 'delete');
    await this.#write(actor, r, (ctx) => this.store.delete(ctx, r, id));
  }

  async #write<T>(actor: Actor, r: Resource, fn: (ctx: WriteContext) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction().execute((tx) => fn({ tx, projectId: actor.projectId, actor, now: this.clock.now(), secrets: this.secrets }));
    } catch (err) {
      if (isPgError(err, '23503')) throw invalidField('data', `refers to a row that does not exist, or is still referred to by another row`);
      return conflictFromUniqueViolation(err, r.title);
    }
  }
}

/** Throws 405 when the resource has no such operation over the API, 403 when the actor lacks every permission that grants it. */
export function authorize(actor: Actor, r: Resource, op: Operation): void {
  const required = r.permissions[op];
  if (required === null) throw methodNotAllowed(`${r.title} cannot be ${VERB[op]} via the API`);
  if (!permits(actor.permissions, required)) {
    throw forbidden(`Permission denied: to ${op === 'read' ? 'read' : op} ${r.title} you need one of: ${required.join(', ')}`);
  }
}

/** Validates `data` of a create or update against the definition; returns values keyed by field name. */
export function parseWriteData(actor: Actor, r: Resource, data: unknown, op: 'create' | 'update'): Values {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw invalidField('data', 'must be an object');
  const values: Values = {};
  for (const [name, raw] of Object.entries(data)) {
    const where = `data.${name}`;
    if (name === 'projectId') {
      const v = unwrap(raw);
      if (typeof v !== 'string' || v.toLowerCase() !== actor.projectId) {
        throw invalidField(where, 'must be the project of your API key (or be left out)');
      }
      continue;
    }
    const field = r.fields.get(name);
    if (!field) throw invalidField(where, `unknown field; ${r.name} has no field "${name}"`);
    const allowed = op === 'create' ? field.creatable : field.updatable;
    if (!allowed) throw invalidField(where, op === 'create' ? 'cannot be set on create' : 'cannot be changed');
    values[name] = coerceForWrite(field, raw, where);
  }
  if (op === 'create') {
    for (const field of r.fields.values()) {
      if (field.required && values[field.name] === undefined) throw invalidField(`data.${field.name}`, 'is required');
    }
  } else if (Object.keys(values).length === 0) {
    throw invalidField('data', 'must contain at least one field to change');
  }
  return values;
}
