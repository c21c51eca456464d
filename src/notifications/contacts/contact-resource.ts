import { sql } from 'kysely';
import { standardPermissions } from '../../access/roles.ts';
import type { ColumnDef } from '../../resources/column.ts';
import { defineResource, type Resource, type Values } from '../../resources/definition.ts';
import { insertRow } from '../../resources/store.ts';
import { newId } from '../../storage/ids.ts';
import type { ContactKind } from '../model.ts';
import { assertNewAddress, lockContact } from './contact-store.ts';
import { assertMayManage } from './ownership.ts';
import { issueVerificationCode } from './verification-code.ts';

/** The read-only state every contact method shows: verified, and switched off by its owner (an SMS `STOP`). */
export const CONTACT_STATE_COLUMNS: Readonly<Record<string, ColumnDef>> = {
  isVerified: { kind: 'boolean', description: 'Whether the owner proved they receive messages here (read-only; see /verify)' },
  isDisabled: { kind: 'boolean', description: 'Switched off by its owner (an SMS STOP); START turns it on again (read-only)' },
  disabledReason: { kind: 'text', description: 'Why it is switched off (read-only)' },
};

export interface ContactResourceSpec {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  /** The view over `contact_method` rows are read from. */
  readonly table: string;
  readonly kind: ContactKind;
  /** The API field held in `address`; `normalize` checks it (400 naming `where`) and answers the stored form. */
  readonly address: { readonly field: string; readonly def: ColumnDef; normalize(value: string, where: string): string };
  /** Other API fields held in plain `contact_method` columns (the def's `column`). */
  readonly plain?: Readonly<Record<string, ColumnDef>>;
  /** Whether a new one (or a changed address) must be verified with a code; in-app devices are verified on registration. */
  readonly verifies: boolean;
  /** A secret made on create, sealed into `secret_encrypted` and answered once in this field. */
  readonly createSecret?: { readonly field: string; make(): string };
}

/**
 * A user's contact method resource (OneUptime's user-email, user-sms, user-call, user-push,
 * user-webhook) over the `contact_method` table. `userId` must be a member of the project; a
 * caller manages only their own unless Owner or Admin. Create sends a verification code over
 * the method itself (except in-app devices); changing the address makes it unverified again
 * and sends a new code.
 */
export function defineContactResource(spec: ContactResourceSpec): Resource {
  const addressField = spec.address.field;
  const plain = Object.entries(spec.plain ?? {});
  return defineResource({
    name: spec.name,
    title: spec.title,
    description: spec.description,
    table: spec.table,
    columns: {
      userId: { kind: 'uuid', description: 'The user this contact method belongs to', required: true, references: 'user' },
      [addressField]: { ...spec.address.def, column: 'address', required: true, update: true },
      ...spec.plain,
      ...CONTACT_STATE_COLUMNS,
    },
    permissions: standardPermissions(spec.title),
    hooks: {
      async create(ctx, v) {
        const userId = v.userId as string;
        assertMayManage(ctx.actor, userId, spec.title);
        const address = spec.address.normalize(v[addressField] as string, `data.${addressField}`);
        await assertNewAddress(ctx.tx, { projectId: ctx.projectId, userId, kind: spec.kind, address, exceptId: null, title: spec.title });
        const id = newId();
        const secret = spec.createSecret?.make() ?? null;
        const row: Values = {
          id,
          project_id: ctx.projectId,
          user_id: userId,
          kind: spec.kind,
          address,
          is_verified: !spec.verifies,
          secret_encrypted: secret === null ? null : ctx.secrets.seal(secret),
          created_at: ctx.now,
          updated_at: ctx.now,
          created_by_user_id: ctx.actor.userId,
        };
        for (const [field, def] of plain) row[def.column!] = v[field] ?? def.default ?? null;
        await insertRow(ctx.tx, 'contact_method', row);
        if (spec.verifies) await issueVerificationCode(ctx.tx, ctx.secrets, { id, projectId: ctx.projectId, userId, kind: spec.kind }, ctx.now);
        return secret !== null && spec.createSecret ? { id, extra: { [spec.createSecret.field]: secret } } : { id };
      },
      async update(ctx, id, v) {
        const cur = await lockContact(ctx.tx, ctx.projectId, id, [spec.kind], spec.title);
        assertMayManage(ctx.actor, cur.user_id, spec.title);
        const sets = [sql`updated_at = ${ctx.now}`];
        let reverify = false;
        if (v[addressField] !== undefined) {
          const address = spec.address.normalize(v[addressField] as string, `data.${addressField}`);
          if (address !== cur.address) {
            await assertNewAddress(ctx.tx, { projectId: ctx.projectId, userId: cur.user_id, kind: spec.kind, address, exceptId: id, title: spec.title });
            sets.push(sql`address = ${address}`);
            reverify = spec.verifies;
          }
        }
        for (const [field, def] of plain) if (v[field] !== undefined) sets.push(sql`${sql.ref(def.column!)} = ${v[field]}`);
        if (reverify) sets.push(sql`is_verified = false`);
        await sql`update contact_method set ${sql.join(sets)} where id = ${id} and project_id = ${ctx.projectId}`.execute(ctx.tx);
        if (reverify) await issueVerificationCode(ctx.tx, ctx.secrets, { id, projectId: ctx.projectId, userId: cur.user_id, kind: spec.kind }, ctx.now);
      },
      async beforeDelete(ctx, id) {
        const cur = await lockContact(ctx.tx, ctx.projectId, id, [spec.kind], spec.title);
        assertMayManage(ctx.actor, cur.user_id, spec.title);
      },
    },
  });
}
