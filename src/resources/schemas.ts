import { z } from 'zod';
import { isArrayKind, type Field } from './column.ts';
import type { Resource } from './definition.ts';
import { MAX_LIMIT } from './list-request.ts';
import { VALUE_WRAPPER_TYPES } from './values.ts';

/**
 * Zod schemas derived from a resource definition. Routes validate request shapes with
 * them and the OpenAPI document is generated from them, so both always agree.
 */
export interface ResourceSchemas {
  readonly item: z.ZodType;
  readonly createBody: z.ZodType;
  readonly updateBody: z.ZodType;
  readonly listBody: z.ZodType;
  readonly getBody: z.ZodType;
  readonly countBody: z.ZodType;
}

const guid = () => z.guid();

function scalarSchema(field: Field): z.ZodType {
  switch (field.kind) {
    case 'uuid':
    case 'uuidArray':
      return guid();
    case 'text':
    case 'longText':
    case 'textArray': {
      if (field.values) return z.enum(field.values as [string, ...string[]]);
      return field.maxLength ? z.string().max(field.maxLength) : z.string();
    }
    case 'email':
      return z.email();
    case 'enum':
      return z.enum([...(field.values ?? []), ...Object.keys(field.aliases ?? {})] as [string, ...string[]]);
    case 'boolean':
      return z.boolean();
    case 'integer': {
      let s = z.number().int();
      if (field.min !== undefined) s = s.min(field.min);
      if (field.max !== undefined) s = s.max(field.max);
      return s;
    }
    case 'number':
      return z.number();
    case 'date':
      return z.iso.datetime({ offset: true });
    case 'json':
      return z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]);
  }
}

/** The schema of one field's value as clients write it (and read it back). */
export function fieldSchema(field: Field, nullable: boolean): z.ZodType {
  const base = isArrayKind(field.kind) ? z.array(scalarSchema(field)) : scalarSchema(field);
  return (nullable ? base.nullable() : base).describe(field.description);
}

/** A value as clients may write it: plain, or wrapped as `{"_type": "ObjectID" | "DateTime" | ..., "value": ...}`. */
function wrappable(s: z.ZodType): z.ZodType {
  return z.union([s, z.object({ _type: z.enum(VALUE_WRAPPER_TYPES), value: s })], {
    // Report what is wrong with the plain value rather than zod's bare "Invalid input".
    error: (iss) => (iss.code === 'invalid_union' ? iss.errors[0]?.[0]?.message : undefined),
  });
}

/** The schema of one field's value in create and update data (wrapped values accepted). */
function inputFieldSchema(field: Field, nullable: boolean): z.ZodType {
  const base = isArrayKind(field.kind) ? z.array(wrappable(scalarSchema(field))) : wrappable(scalarSchema(field));
  return (nullable ? base.nullable() : base).describe(field.description);
}

function readItemSchema(r: Resource): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  for (const f of r.fields.values()) {
    if (!f.readable) continue;
    const s = f.kind === 'date' ? z.string().describe(f.description) : fieldSchema(f, !f.required && f.name !== '_id');
    shape[f.name] = f.name === '_id' ? s : s.optional();
  }
  return z.object(shape).describe(r.title);
}

function selectSchema(r: Resource): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  for (const f of r.fields.values()) if (f.readable) shape[f.name] = z.boolean().optional();
  return z.object(shape).strict().describe('Fields to return, as { field: true }');
}

const sortDirection = z.union([z.literal(1), z.literal(-1), z.enum(['ASC', 'DESC', 'asc', 'desc'])]);

function sortSchema(r: Resource): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  for (const f of r.fields.values()) if (f.readable && f.kind !== 'json') shape[f.name] = sortDirection.optional();
  return z.object(shape).strict().describe('Sort order, as { field: -1 | 1 | "ASC" | "DESC" }');
}

const querySchema = z
  .record(z.string(), z.unknown())
  .describe('Filter: { field: value } for equality, or { field: { "_type": "<Operator>", ... } }');

const paging = {
  skip: z.union([z.number().int().min(0), z.string()]).optional().describe('Rows to skip (default 0)'),
  limit: z.union([z.number().int().min(1).max(MAX_LIMIT), z.string()]).optional().describe(`Rows to return (default 10, at most ${MAX_LIMIT})`),
};

export function buildSchemas(r: Resource): ResourceSchemas {
  const createShape: Record<string, z.ZodType> = {
    projectId: wrappable(guid()).optional().describe('Must be your project, if given'),
  };
  const updateShape: Record<string, z.ZodType> = {};
  for (const f of r.fields.values()) {
    if (f.creatable) createShape[f.name] = f.required ? inputFieldSchema(f, false) : inputFieldSchema(f, true).optional();
    if (f.updatable) updateShape[f.name] = inputFieldSchema(f, !f.required).optional();
  }
  const select = selectSchema(r).optional();
  return {
    item: readItemSchema(r),
    createBody: z.object({
      data: z.object(createShape).strict(),
      miscDataProps: z.record(z.string(), z.unknown()).optional(),
    }),
    updateBody: z.object({ data: z.object(updateShape).strict() }),
    listBody: z.object({ select, query: querySchema.optional(), sort: sortSchema(r).optional(), ...paging }).nullish(),
    getBody: z.object({ select }).nullish(),
    countBody: z.object({ query: querySchema.optional() }).nullish(),
  };
}
