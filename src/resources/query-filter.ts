import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { invalidField } from '../errors.ts';
import { isArrayKind, isOrderedKind, isTextKind, type Field } from './column.ts';
import type { Resource } from './definition.ts';
import { coerceScalar, isWrapper } from './values.ts';

type Condition = RawBuilder<SqlBool>;

/** The typed query operators (OneUptime's names). */
export const OPERATORS = [
  'Search',
  'MultiSearch',
  'GreaterThan',
  'GreaterThanOrEqual',
  'LessThan',
  'LessThanOrEqual',
  'GreaterThanOrNull',
  'LessThanOrNull',
  'InBetween',
  'EqualTo',
  'EqualToOrNull',
  'NotEqual',
  'IsNull',
  'NotNull',
  'Includes',
  'IncludesAll',
  'IncludesNone',
  'StartsWith',
  'EndsWith',
  'NotContains',
] as const;
type Operator = (typeof OPERATORS)[number];

const COMPARISON: Partial<Record<Operator, string>> = {
  GreaterThan: '>',
  GreaterThanOrEqual: '>=',
  LessThan: '<',
  LessThanOrEqual: '<=',
  GreaterThanOrNull: '>',
  LessThanOrNull: '<',
};

/**
 * Turns a request's `query` object into SQL conditions (ANDed). Every key must be a
 * readable field; every value a plain value (equality) or a typed operator object.
 * Throws a 400 naming the field for anything it cannot honour.
 */
export function compileFilter(resource: Resource, query: unknown): Condition[] {
  if (query === undefined || query === null) return [];
  if (typeof query !== 'object' || Array.isArray(query)) throw invalidField('query', 'must be an object');
  const out: Condition[] = [];
  for (const [key, raw] of Object.entries(query)) {
    const where = `query.${key}`;
    if (isOperatorObject(raw) && raw._type === 'MultiSearch') {
      out.push(multiSearch(resource, raw, where));
      continue;
    }
    const field = resource.fields.get(key);
    if (!field?.readable) throw invalidField(where, `unknown field; ${resource.name} has no field "${key}"`);
    out.push(isOperatorObject(raw) ? operator(field, raw, where) : equality(field, raw, where));
  }
  return out;
}

/** Joins conditions with AND; `true` when there are none. */
export function allOf(conditions: readonly Condition[]): Condition {
  return conditions.length === 0 ? sql<SqlBool>`true` : sql<SqlBool>`(${sql.join(conditions, sql` and `)})`;
}

interface OperatorObject {
  readonly _type: string;
  readonly [k: string]: unknown;
}

function isOperatorObject(v: unknown): v is OperatorObject {
  return (
    typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { _type?: unknown })._type === 'string' && !isWrapper(v)
  );
}

function col(field: Field): RawBuilder<unknown> {
  return sql.ref(field.sqlColumn);
}

/** A SQL cast so that parameters compare with the column's type. */
function pgType(field: Field): string {
  switch (field.kind) {
    case 'uuid':
    case 'uuidArray':
      return 'uuid';
    case 'boolean':
      return 'boolean';
    case 'integer':
      return 'integer';
    case 'number':
      return 'double precision';
    case 'date':
      return 'timestamptz';
    default:
      return 'text';
  }
}

function param(field: Field, value: unknown): RawBuilder<unknown> {
  return sql`cast(${value} as ${sql.raw(pgType(field))})`;
}

function arrayParam(field: Field, values: unknown[]): RawBuilder<unknown> {
  return sql`cast(${values} as ${sql.raw(pgType(field))}[])`;
}

function equality(field: Field, raw: unknown, where: string): Condition {
  if (raw === null) return sql<SqlBool>`${col(field)} is null`;
  if (field.kind === 'json') throw invalidField(where, 'JSON fields can only be filtered with IsNull or NotNull');
  if (isArrayKind(field.kind)) {
    if (Array.isArray(raw)) {
      const items = raw.map((v, i) => coerceScalar(field, v, `${where}[${i}]`));
      return sql<SqlBool>`(${col(field)} @> ${arrayParam(field, items)} and ${col(field)} <@ ${arrayParam(field, items)})`;
    }
    return sql<SqlBool>`${col(field)} @> ${arrayParam(field, [coerceScalar(field, raw, where)])}`;
  }
  return sql<SqlBool>`${col(field)} = ${param(field, coerceScalar(field, raw, where))}`;
}

function likePattern(value: string, before: boolean, after: boolean): string {
  const escaped = value.replace(/[\\%_]/g, (c) => `\\${c}`);
  return `${before ? '%' : ''}${escaped}${after ? '%' : ''}`;
}

function textValue(field: Field, op: OperatorObject, where: string): string {
  if (!isTextKind(field.kind)) throw invalidField(where, `${op._type} applies only to text fields`);
  const v = op.value;
  if (typeof v !== 'string') throw invalidField(`${where}.value`, 'must be a string');
  return v;
}

function listValue(field: Field, op: OperatorObject, where: string): unknown[] {
  const v = op.value;
  if (!Array.isArray(v)) throw invalidField(`${where}.value`, 'must be an array');
  if (v.length > 10_000) throw invalidField(`${where}.value`, 'must have at most 10000 items');
  return v.map((item, i) => coerceScalar(field, item, `${where}.value[${i}]`));
}

function operator(field: Field, op: OperatorObject, where: string): Condition {
  const type = op._type as Operator;
  if (!(OPERATORS as readonly string[]).includes(type)) {
    throw invalidField(`${where}._type`, `unknown operator "${op._type}"; use one of: ${OPERATORS.join(', ')}`);
  }
  const c = col(field);
  if (field.kind === 'json' && type !== 'IsNull' && type !== 'NotNull') {
    throw invalidField(where, 'JSON fields can only be filtered with IsNull or NotNull');
  }
  const scalar = (key = 'value') => {
    if (!(key in op)) throw invalidField(`${where}.${key}`, 'is required');
    return param(field, coerceScalar(field, op[key], `${where}.${key}`));
  };
  const ordered = () => {
    if (!isOrderedKind(field.kind)) throw invalidField(where, `${type} applies only to text, number, date and id fields`);
  };
  switch (type) {
    case 'IsNull':
      return sql<SqlBool>`${c} is null`;
    case 'NotNull':
      return sql<SqlBool>`${c} is not null`;
    case 'Search':
      return sql<SqlBool>`${c} ilike ${likePattern(textValue(field, op, where), true, true)}`;
    case 'NotContains':
      return sql<SqlBool>`(${c} is null or ${c} not ilike ${likePattern(textValue(field, op, where), true, true)})`;
    case 'StartsWith':
      return sql<SqlBool>`${c} ilike ${likePattern(textValue(field, op, where), false, true)}`;
    case 'EndsWith':
      return sql<SqlBool>`${c} ilike ${likePattern(textValue(field, op, where), true, false)}`;
    case 'EqualTo':
      if (isArrayKind(field.kind)) return equality(field, op.value, `${where}.value`);
      return sql<SqlBool>`${c} = ${scalar()}`;
    case 'EqualToOrNull':
      return sql<SqlBool>`(${c} = ${scalar()} or ${c} is null)`;
    case 'NotEqual':
      return sql<SqlBool>`${c} is distinct from ${scalar()}`;
    case 'GreaterThan':
    case 'GreaterThanOrEqual':
    case 'LessThan':
    case 'LessThanOrEqual':
      ordered();
      return sql<SqlBool>`${c} ${sql.raw(COMPARISON[type]!)} ${scalar()}`;
    case 'GreaterThanOrNull':
    case 'LessThanOrNull':
      ordered();
      return sql<SqlBool>`(${c} ${sql.raw(COMPARISON[type]!)} ${scalar()} or ${c} is null)`;
    case 'InBetween':
      ordered();
      return sql<SqlBool>`(${c} >= ${scalar('startValue')} and ${c} <= ${scalar('endValue')})`;
    case 'Includes': {
      const list = arrayParam(field, listValue(field, op, where));
      return isArrayKind(field.kind) ? sql<SqlBool>`${c} && ${list}` : sql<SqlBool>`${c} = any(${list})`;
    }
    case 'IncludesAll':
      if (!isArrayKind(field.kind)) throw invalidField(where, 'IncludesAll applies only to list fields');
      return sql<SqlBool>`${c} @> ${arrayParam(field, listValue(field, op, where))}`;
    case 'IncludesNone': {
      const list = arrayParam(field, listValue(field, op, where));
      return isArrayKind(field.kind)
        ? sql<SqlBool>`not (${c} && ${list})`
        : sql<SqlBool>`(${c} is null or not (${c} = any(${list})))`;
    }
    case 'MultiSearch':
      throw invalidField(where, 'MultiSearch goes at the top level of the query');
  }
}

function multiSearch(resource: Resource, op: OperatorObject, where: string): Condition {
  if (typeof op.value !== 'string') throw invalidField(`${where}.value`, 'must be a string');
  if (!Array.isArray(op.fields) || op.fields.length === 0) throw invalidField(`${where}.fields`, 'must be a non-empty array of field names');
  const pattern = likePattern(op.value, true, true);
  const parts = op.fields.map((name, i) => {
    const field = typeof name === 'string' ? resource.fields.get(name) : undefined;
    if (!field?.readable || !isTextKind(field.kind)) {
      throw invalidField(`${where}.fields[${i}]`, `must name a text field of ${resource.name}`);
    }
    return sql<SqlBool>`${col(field)} ilike ${pattern}`;
  });
  return sql<SqlBool>`(${sql.join(parts, sql` or `)})`;
}
