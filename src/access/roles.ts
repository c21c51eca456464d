/** The four project roles, highest first. A role's name is also a permission that grants it. */
export const ROLES = ['Project Owner', 'Project Admin', 'Project Member', 'Viewer'] as const;
export type Role = (typeof ROLES)[number];

/** Grants reading every resource of the project. */
export const READ_ALL = 'Read All Project Resources';

const RANK: Record<Role, number> = {
  'Project Owner': 4,
  'Project Admin': 3,
  'Project Member': 2,
  Viewer: 1,
};

/** Permissions a role carries besides its own name. */
const IMPLIED: Record<Role, readonly string[]> = {
  'Project Owner': [READ_ALL],
  'Project Admin': [READ_ALL],
  'Project Member': [READ_ALL],
  Viewer: [READ_ALL],
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** How much a role may do; 0 for none. */
export function roleRank(role: Role | null | undefined): number {
  return role ? RANK[role] : 0;
}

/** Everything a holder of `role` and the explicit `permissions` may do. */
export function effectivePermissions(role: Role | null | undefined, permissions: readonly string[]): Set<string> {
  const set = new Set(permissions);
  if (role) {
    set.add(role);
    for (const p of IMPLIED[role]) set.add(p);
  }
  return set;
}

/** The permission sets a resource's operations require: any one of the listed names suffices. */
export interface OperationPermissions {
  readonly read: readonly string[];
  /** `null`: the operation does not exist over the API. */
  readonly create: readonly string[] | null;
  readonly update: readonly string[] | null;
  readonly delete: readonly string[] | null;
}

/**
 * The usual grants for a resource named `title` (OneUptime's naming: `Create Team`,
 * `Read Team`, `Edit Team`, `Delete Team`). `membersWrite: false` keeps writes to
 * owners and admins (for keys, members and grants).
 */
export function standardPermissions(title: string, opts: { membersWrite?: boolean } = {}): OperationPermissions {
  const writers: string[] = ['Project Owner', 'Project Admin'];
  if (opts.membersWrite !== false) writers.push('Project Member');
  return {
    read: ['Project Owner', 'Project Admin', 'Project Member', `Read ${title}`, READ_ALL],
    create: [...writers, `Create ${title}`],
    update: [...writers, `Edit ${title}`],
    delete: [...writers, `Delete ${title}`],
  };
}

/** Whether `held` contains any of `required`. */
export function permits(held: ReadonlySet<string>, required: readonly string[]): boolean {
  return required.some((p) => held.has(p));
}

/** Grants for a resource that is read-only over the API (logs, feeds): anyone who may read it, nobody may write. */
export function readOnlyPermissions(title: string): OperationPermissions {
  return { read: standardPermissions(title).read, create: null, update: null, delete: null };
}
