/** The value types a resource column can hold, as the API sees them. */
export type ColumnKind =
  | 'uuid'
  | 'text'
  | 'longText'
  | 'email'
  | 'boolean'
  | 'integer'
  | 'number'
  | 'date'
  | 'json'
  | 'enum'
  | 'textArray'
  | 'uuidArray';

export interface ColumnDef {
  readonly kind: ColumnKind;
  readonly description: string;
  /** The database column; defaults to the field name in snake_case. */
  readonly column?: string;
  /** Must be given on create. */
  readonly required?: boolean;
  /** May be given on create. Implied by `required`. */
  readonly create?: boolean;
  /** May be changed by update. */
  readonly update?: boolean;
  /** Returned to readers; `false` hides it (and forbids filtering or sorting on it). */
  readonly read?: boolean;
  /** Allowed values of an `enum` (or each item of a `textArray`). */
  readonly values?: readonly string[];
  /** Other spellings accepted on input for enum values, mapped to the stored value. */
  readonly aliases?: Readonly<Record<string, string>>;
  readonly maxLength?: number;
  readonly min?: number;
  readonly max?: number;
  /** The resource (route name) whose row in the same project this id must point to. */
  readonly references?: string;
  /** Value stored when create omits the field. */
  readonly default?: unknown;
}

/** A column of a resource together with its API name and database column. */
export interface Field extends ColumnDef {
  readonly name: string;
  readonly sqlColumn: string;
  readonly readable: boolean;
  readonly creatable: boolean;
  readonly updatable: boolean;
}

export function toSnakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export function isArrayKind(kind: ColumnKind): boolean {
  return kind === 'textArray' || kind === 'uuidArray';
}

export function isTextKind(kind: ColumnKind): boolean {
  return kind === 'text' || kind === 'longText' || kind === 'email' || kind === 'enum';
}

export function isOrderedKind(kind: ColumnKind): boolean {
  return isTextKind(kind) || kind === 'integer' || kind === 'number' || kind === 'date' || kind === 'uuid';
}
