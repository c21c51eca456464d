import { sql } from 'kysely';
import { standardPermissions, type OperationPermissions } from '../../access/roles.ts';
import { conflict, invalidField } from '../../errors.ts';
import type { ColumnDef } from '../../resources/column.ts';
import { defineResource, type Resource, type Values, type WriteContext } from '../../resources/definition.ts';
import { newId } from '../../storage/ids.ts';

type Provider = 'smtp' | 'twilio' | 'slack';

export interface ProviderResourceSpec {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  /** The view (migration 014) rows are read from. */
  readonly view: string;
  readonly provider: Provider;
  readonly columns: Readonly<Record<string, ColumnDef>>;
  /**
   * Checks the merged values (stored settings with the write on top; 400 naming the field) and
   * answers the `settings` JSON (keys exactly as providers/resolve.ts reads them).
   */
  settingsOf(merged: Values): Record<string, unknown>;
  /** API fields that are secrets, each with its key in the sealed JSON. Write-only; null removes one. */
  readonly secrets: Readonly<Record<string, string>>;
  /** Secret fields that must always be stored. */
  readonly requiredSecrets?: readonly string[];
}

/** Reading follows the usual grants; only Owners and Admins may create, change or delete provider settings. */
function providerPermissions(title: string): OperationPermissions {
  const admins = ['Project Owner', 'Project Admin'];
  return { read: standardPermissions(title).read, create: admins, update: admins, delete: admins };
}

interface StoredProvider {
  id: string;
  settings: Record<string, unknown>;
  secret_encrypted: string | null;
}

/**
 * A project's settings for one provider (`notification_provider`, one row per project and
 * provider; a second create is 409). Plain settings are stored in `settings` jsonb under the
 * keys the sender reads; secrets are sealed together as JSON in `secret_encrypted` and never
 * answered: reads show only whether they are stored.
 */
export function defineProviderResource(spec: ProviderResourceSpec): Resource {
  const apiValues = (stored: StoredProvider | null, ctx: WriteContext): { settings: Values; secret: Record<string, string> } => ({
    settings: { ...(stored?.settings ?? {}) },
    secret: stored?.secret_encrypted ? (JSON.parse(ctx.secrets.open(stored.secret_encrypted)) as Record<string, string>) : {},
  });
  const write = (ctx: WriteContext, stored: StoredProvider | null, v: Values) => {
    const current = apiValues(stored, ctx);
    const merged: Values = { ...current.settings };
    const secret: Record<string, string> = { ...current.secret };
    for (const [field, value] of Object.entries(v)) {
      const key = spec.secrets[field];
      if (key === undefined) {
        merged[field] = value;
        continue;
      }
      if (value === null || value === '') delete secret[key];
      else secret[key] = value as string;
    }
    for (const field of spec.requiredSecrets ?? []) {
      if (!secret[spec.secrets[field]!]) throw invalidField(`data.${field}`, 'is required');
    }
    const settings = spec.settingsOf(merged);
    const sealed = Object.keys(secret).length > 0 ? ctx.secrets.seal(JSON.stringify(secret)) : null;
    return { settings: JSON.stringify(settings), sealed };
  };
  return defineResource({
    name: spec.name,
    title: spec.title,
    description: spec.description,
    table: spec.view,
    columns: spec.columns,
    permissions: providerPermissions(spec.title),
    hooks: {
      async create(ctx, v) {
        const existing = await sql`select 1 from notification_provider where project_id = ${ctx.projectId} and provider = ${spec.provider}`.execute(ctx.tx);
        if (existing.rows.length > 0) throw conflict(`This project already has a ${spec.title}; change it with an update, or delete it first`);
        const { settings, sealed } = write(ctx, null, v);
        const id = newId();
        await sql`insert into notification_provider (id, project_id, provider, settings, secret_encrypted, created_at, updated_at, created_by_user_id)
          values (${id}, ${ctx.projectId}, ${spec.provider}, ${settings}::jsonb, ${sealed}, ${ctx.now}, ${ctx.now}, ${ctx.actor.userId})`.execute(ctx.tx);
        return { id };
      },
      async update(ctx, id, v) {
        const r = await sql<StoredProvider>`select id, settings, secret_encrypted from notification_provider
          where id = ${id} and project_id = ${ctx.projectId} and provider = ${spec.provider} for update`.execute(ctx.tx);
        const { settings, sealed } = write(ctx, r.rows[0]!, v);
        await sql`update notification_provider set settings = ${settings}::jsonb, secret_encrypted = ${sealed}, updated_at = ${ctx.now}
          where id = ${id}`.execute(ctx.tx);
      },
      async delete(ctx, id) {
        await sql`delete from notification_provider where id = ${id} and project_id = ${ctx.projectId} and provider = ${spec.provider}`.execute(ctx.tx);
      },
    },
  });
}

/** The object without its null and undefined entries (settings keep only what is set). */
export function compact(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));
}
