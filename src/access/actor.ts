import { effectivePermissions, type Role } from './roles.ts';

/** Who is making a request, as established by authentication. */
export interface Actor {
  /** `system`: Vigil itself or its operator on the command line. */
  readonly kind: 'apiKey' | 'system';
  readonly projectId: string;
  readonly apiKeyId: string | null;
  /** The user the caller acts for, if any (rows it creates record this user). */
  readonly userId: string | null;
  readonly role: Role | null;
  readonly permissions: ReadonlySet<string>;
}

/** The operator of this Vigil installation acting on a project, with the owner's rights. */
export function systemActor(projectId: string, userId: string | null = null): Actor {
  return {
    kind: 'system',
    projectId,
    apiKeyId: null,
    userId,
    role: 'Project Owner',
    permissions: effectivePermissions('Project Owner', []),
  };
}
