import { invalidField } from '../errors.ts';
import type { Field } from './column.ts';
import type { Resource } from './definition.ts';

export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 10_000;

export interface SortKey {
  readonly field: Field;
  readonly direction: 'asc' | 'desc';
}

/** The fields to return: `_id` always, then the selected (or default) fields. */
export function parseSelect(resource: Resource, select: unknown): Field[] {
  let names: string[];
  if (select === undefined || select === null) {
    names = [...resource.defaultSelect];
  } else {
    if (typeof select !== 'object' || Array.isArray(select)) throw invalidField('select', 'must be an object of field: true');
    names = [];
    for (const [name, wanted] of Object.entries(select)) {
      const field = resource.fields.get(name);
      if (!field?.readable) throw invalidField(`select.${name}`, `unknown field; ${resource.name} has no field "${name}"`);
      if (typeof wanted !== 'boolean') throw invalidField(`select.${name}`, 'must be true or false');
      if (wanted) names.push(name);
    }
  }
  const unique = new Set(['_id', ...names]);
  return [...unique].map((n) => resource.fields.get(n)!);
}

const DIRECTIONS: Record<string, 'asc' | 'desc'> = {
  '1': 'asc',
  '-1': 'desc',
  asc: 'asc',
  desc: 'desc',
  ascending: 'asc',
  descending: 'desc',
};

/** Sort keys in request order; the resource's default order when none are given. `_id` breaks ties. */
export function parseSort(resource: Resource, sort: unknown): SortKey[] {
  const keys: SortKey[] = [];
  if (sort !== undefined && sort !== null) {
    if (typeof sort !== 'object' || Array.isArray(sort)) throw invalidField('sort', 'must be an object of field: -1 | 1 | "ASC" | "DESC"');
    for (const [name, dir] of Object.entries(sort)) {
      const field = resource.fields.get(name);
      if (!field?.readable) throw invalidField(`sort.${name}`, `unknown field; ${resource.name} has no field "${name}"`);
      if (field.kind === 'json') throw invalidField(`sort.${name}`, 'JSON fields cannot be sorted');
      const direction = DIRECTIONS[String(dir).toLowerCase()];
      if (!direction || (typeof dir !== 'number' && typeof dir !== 'string')) {
        throw invalidField(`sort.${name}`, 'must be -1, 1, "ASC" or "DESC"');
      }
      keys.push({ field, direction });
    }
  }
  if (keys.length === 0) {
    const d = resource.defaultSort ?? { field: 'createdAt', direction: 'desc' };
    keys.push({ field: resource.fields.get(d.field)!, direction: d.direction });
  }
  if (!keys.some((k) => k.field.name === '_id')) {
    keys.push({ field: resource.fields.get('_id')!, direction: keys[keys.length - 1]!.direction });
  }
  return keys;
}

/** `skip` (default 0) and `limit` (default 10, at most 10,000), from the query string or body. */
export function parsePaging(skipRaw: unknown, limitRaw: unknown): { skip: number; limit: number } {
  const skip = wholeNumber('skip', skipRaw, 0);
  const limit = wholeNumber('limit', limitRaw, DEFAULT_LIMIT);
  if (skip < 0) throw invalidField('skip', 'must be 0 or more');
  if (limit <= 0 || limit > MAX_LIMIT) throw invalidField('limit', `must be between 1 and ${MAX_LIMIT}`);
  return { skip, limit };
}

function wholeNumber(name: string, raw: unknown, fallback: number): number {
  if (raw === undefined || raw === null || raw === '') return fallback;
  const n = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw invalidField(name, 'must be a whole number');
  return n;
}
