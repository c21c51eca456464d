import type { OperationPermissions } from '../access/roles.ts';
import type { Db } from '../storage/database.ts';
import type { Actor } from '../access/actor.ts';
import { toSnakeCase, type ColumnDef, type Field } from './column.ts';
import type { SecretBox } from '../notifications/secrets.ts';

export type Operation = 'read' | 'create' | 'update' | 'delete';

/** What a write hook gets: the open transaction, the caller and the instant of the write. */
export interface WriteContext {
  readonly tx: Db;
  readonly projectId: string;
  readonly actor: Actor;
  readonly now: Date;
  /** Seals secrets a write stores (provider tokens, webhook secrets); they are never stored in the clear. */
  readonly secrets: SecretBox;
}

/** Values keyed by API field name, already validated and unwrapped. */
export type Values = Record<string, unknown>;

/**
 * Where a resource needs more than one row written, or a check the columns cannot
 * express, it supplies hooks. Each runs inside the write's transaction; throwing an
 * `AppError` rolls the write back and answers with its status.
 */
export interface ResourceHooks {
  /** Checks (and may amend) values before the default insert. */
  beforeCreate?(ctx: WriteContext, values: Values, misc: Record<string, unknown> | undefined): Promise<void>;
  /** Replaces the default insert; returns the new id and fields to add to the answer. */
  create?(ctx: WriteContext, values: Values, misc: Record<string, unknown> | undefined): Promise<CreateResult>;
  /**
   * Checks (and may amend) values before the default update of row `id`. A hook that
   * handles some fields itself removes them; the default update writes the rest.
   */
  beforeUpdate?(ctx: WriteContext, id: string, values: Values): Promise<void>;
  /** Replaces the default update. */
  update?(ctx: WriteContext, id: string, values: Values): Promise<void>;
  /** Checks before the default delete of row `id`. */
  beforeDelete?(ctx: WriteContext, id: string): Promise<void>;
  /** Replaces the default delete. */
  delete?(ctx: WriteContext, id: string): Promise<void>;
}

export interface CreateResult {
  readonly id: string;
  /** Fields shown once in the create answer only (an API key's secret). */
  readonly extra?: Values;
}

export interface ResourceSpec {
  /** Route name: `/api/<name>`. */
  readonly name: string;
  /** Singular title, used in messages and permission names (`Read <title>`). */
  readonly title: string;
  readonly description: string;
  /** Table or view rows are read from (and written to, unless hooks replace writes). */
  readonly table: string;
  /** Column holding the project id; `project_id` unless said. */
  readonly tenantColumn?: string;
  /** Whether rows record who created them (`createdByUserId`). Default true. */
  readonly hasCreatedBy?: boolean;
  readonly columns: Readonly<Record<string, ColumnDef>>;
  /** Order of lists that ask for none; newest first (`createdAt` descending) when absent. */
  readonly defaultSort?: { readonly field: string; readonly direction: 'asc' | 'desc' };
  /** Fields returned when a request has no `select`; all readable fields when absent. */
  readonly defaultSelect?: readonly string[];
  readonly permissions: OperationPermissions;
  readonly hooks?: ResourceHooks;
}

/** A resource definition, normalised: every field (base ones included) with its SQL column. */
export interface Resource extends ResourceSpec {
  readonly fields: ReadonlyMap<string, Field>;
  readonly tenantColumn: string;
  readonly defaultSelect: readonly string[];
}

/** Builds a resource from its spec, adding `_id`, `projectId`, `createdAt`, `updatedAt` and `createdByUserId`. */
export function defineResource(spec: ResourceSpec): Resource {
  const tenantColumn = spec.tenantColumn ?? 'project_id';
  const base: Record<string, ColumnDef> = {
    _id: { kind: 'uuid', column: 'id', description: `ID of this ${spec.title}` },
    projectId: { kind: 'uuid', column: tenantColumn, description: 'ID of the project this object belongs to' },
    createdAt: { kind: 'date', description: 'When this object was created' },
    updatedAt: { kind: 'date', description: 'When this object was last updated' },
  };
  if (spec.hasCreatedBy !== false) {
    base.createdByUserId = { kind: 'uuid', description: 'User who created this object, if a user did' };
  }
  const fields = new Map<string, Field>();
  for (const [name, def] of Object.entries({ ...base, ...spec.columns })) {
    fields.set(name, {
      ...def,
      name,
      sqlColumn: def.column ?? toSnakeCase(name),
      readable: def.read !== false,
      creatable: def.required === true || def.create === true,
      updatable: def.update === true,
    });
  }
  const defaultSelect = spec.defaultSelect ?? [...fields.values()].filter((f) => f.readable).map((f) => f.name);
  for (const name of defaultSelect) {
    if (!fields.get(name)?.readable) throw new Error(`${spec.name}: defaultSelect names unknown field ${name}`);
  }
  return { ...spec, fields, tenantColumn, defaultSelect };
}
