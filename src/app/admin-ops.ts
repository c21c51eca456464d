import { sql } from 'kysely';
import { z } from 'zod';
import { systemActor } from '../access/actor.ts';
import { createProject, type CreatedProject } from '../access/projects.ts';
import { ROLES } from '../access/roles.ts';
import { notFound } from '../errors.ts';
import { apiKeyResource } from '../resources/definitions/api-key.ts';
import { RESOURCES } from '../resources/definitions/index.ts';
import { ResourceRegistry } from '../resources/registry.ts';
import { ResourceService } from '../resources/service.ts';
import { ResourceStore } from '../resources/store.ts';
import type { Clock } from '../storage/clock.ts';
import type { Db } from '../storage/database.ts';
import { unavailableSecretBox } from '../notifications/secrets.ts';

export const newProjectInput = z.object({
  name: z.string().trim().min(1).max(100),
  ownerEmail: z.email(),
  ownerName: z.string().trim().min(1).max(100).optional(),
});

export const newApiKeyInput = z.object({
  projectId: z.guid({ error: 'must be a UUID' }),
  name: z.string().trim().min(1).max(100).default('CLI key'),
  role: z.enum(ROLES).optional(),
  permissions: z.array(z.string()).default([]),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});

export interface CreatedApiKey {
  readonly projectId: string;
  readonly apiKeyId: string;
  readonly apiKey: string;
  readonly role: string | null;
  readonly permissions: string[];
  readonly expiresAt: string | null;
}

/**
 * What the operator of an installation may do without an API key: create projects and
 * keys. Reached from the CLI, directly on the database or through a running server's
 * local admin socket.
 */
export interface AdminOps {
  createProject(input: z.input<typeof newProjectInput>): Promise<CreatedProject>;
  createApiKey(input: z.input<typeof newApiKeyInput>): Promise<CreatedApiKey>;
}

export function adminOps(db: Db, clock: Clock): AdminOps {
  const service = new ResourceService(db, new ResourceStore(new ResourceRegistry(RESOURCES)), clock, unavailableSecretBox());
  return {
    async createProject(input) {
      return createProject(db, clock, newProjectInput.parse(input));
    },
    async createApiKey(input) {
      const k = newApiKeyInput.parse(input);
      const projectId = k.projectId.toLowerCase();
      const found = await sql`select 1 from project where id = ${projectId}`.execute(db);
      if (found.rows.length === 0) throw notFound(`No project with id ${projectId}`);
      const row = await service.create(systemActor(projectId), apiKeyResource, {
        name: k.name,
        ...(k.role ? { role: k.role } : {}),
        permissions: k.permissions,
        ...(k.expiresAt ? { expiresAt: k.expiresAt } : {}),
      });
      return {
        projectId,
        apiKeyId: row._id as string,
        apiKey: row.apiKey as string,
        role: (row.role ?? null) as string | null,
        permissions: row.permissions as string[],
        expiresAt: row.expiresAt ? (row.expiresAt as Date).toISOString() : null,
      };
    },
  };
}
