import { sql } from 'kysely';
import { standardPermissions } from '../../access/roles.ts';
import { invalidField } from '../../errors.ts';
import { defineResource, type Values } from '../../resources/definition.ts';
import { insertRow } from '../../resources/store.ts';
import { newId } from '../../storage/ids.ts';
import { parseField, slackChannelId, teamsWorkflowUrl } from './addresses.ts';
import { CONTACT_STATE_COLUMNS } from './contact-resource.ts';
import { assertNewAddress, lockContact } from './contact-store.ts';
import { assertMayManage } from './ownership.ts';
import { issueVerificationCode } from './verification-code.ts';

/** OneUptime's `WorkspaceType` values and the contact kind each is stored as. */
const KIND_OF = { Slack: 'slack', MicrosoftTeams: 'teams' } as const;
type WorkspaceType = keyof typeof KIND_OF;
const TITLE = 'Workspace Destination';

/**
 * A Slack or Microsoft Teams destination: a user's own (a DM or their channel, `userId` set) or
 * the project's shared channel (`userId` null; Owners and Admins only). Slack needs `channelId`
 * (C…, G…, D…, or a member U… to DM); Teams needs `webhookUrl`, a Power Automate Workflows URL,
 * which is stored sealed and never returned. A code is posted there to verify it.
 */
export const workspaceDestinationResource = defineResource({
  name: 'workspace-destination',
  title: TITLE,
  description:
    'Slack channels or members and Microsoft Teams Workflows a user (or, with no userId, the whole project) is notified at. ' +
    'A 6-digit code is posted there on create; POST /verify with it. The Teams URL is write-only.',
  table: 'workspace_destination',
  columns: {
    workspaceType: {
      kind: 'enum',
      column: 'workspace_type',
      description: 'Slack or MicrosoftTeams',
      values: Object.keys(KIND_OF),
      required: true,
    },
    name: { kind: 'text', description: 'A name for the destination, e.g. "#ops"', required: true, update: true, maxLength: 200 },
    userId: { kind: 'uuid', description: 'The user this destination belongs to; null: the project\'s shared channel', create: true, references: 'user' },
    channelId: {
      kind: 'text',
      column: 'channel_id',
      description: 'Slack only (required): the channel (C…, G…, D…) or member (U…) to post to',
      create: true,
      update: true,
      maxLength: 64,
    },
    webhookUrl: {
      kind: 'longText',
      description: 'Microsoft Teams only (required): the Workflows webhook URL (https). Write-only: stored sealed, never returned',
      create: true,
      update: true,
      read: false,
      maxLength: 2048,
    },
    ...CONTACT_STATE_COLUMNS,
  },
  permissions: standardPermissions(TITLE),
  hooks: {
    async create(ctx, v) {
      const userId = (v.userId ?? null) as string | null;
      assertMayManage(ctx.actor, userId, TITLE);
      const type = v.workspaceType as WorkspaceType;
      const kind = KIND_OF[type];
      const name = (v.name as string).trim();
      let address: string;
      let secret: string | null = null;
      if (kind === 'slack') {
        if (v.webhookUrl !== undefined && v.webhookUrl !== null) throw invalidField('data.webhookUrl', 'is for MicrosoftTeams destinations only');
        if (v.channelId === undefined || v.channelId === null) throw invalidField('data.channelId', 'is required for Slack destinations');
        address = parseField(slackChannelId, v.channelId, 'data.channelId');
      } else {
        if (v.channelId !== undefined && v.channelId !== null) throw invalidField('data.channelId', 'is for Slack destinations only');
        if (v.webhookUrl === undefined || v.webhookUrl === null) throw invalidField('data.webhookUrl', 'is required for MicrosoftTeams destinations');
        secret = parseField(teamsWorkflowUrl, (v.webhookUrl as string).trim(), 'data.webhookUrl');
        address = name;
      }
      await assertNewAddress(ctx.tx, { projectId: ctx.projectId, userId, kind, address, exceptId: null, title: TITLE });
      const id = newId();
      const row: Values = {
        id,
        project_id: ctx.projectId,
        user_id: userId,
        kind,
        address,
        name,
        is_verified: false,
        secret_encrypted: secret === null ? null : ctx.secrets.seal(secret),
        created_at: ctx.now,
        updated_at: ctx.now,
        created_by_user_id: ctx.actor.userId,
      };
      await insertRow(ctx.tx, 'contact_method', row);
      await issueVerificationCode(ctx.tx, ctx.secrets, { id, projectId: ctx.projectId, userId, kind }, ctx.now);
      return { id };
    },
    async update(ctx, id, v) {
      const cur = await lockContact(ctx.tx, ctx.projectId, id, ['slack', 'teams'], TITLE);
      assertMayManage(ctx.actor, cur.user_id, TITLE);
      const sets = [sql`updated_at = ${ctx.now}`];
      let address = cur.address;
      let reverify = false;
      if (v.name !== undefined) {
        const name = (v.name as string).trim();
        sets.push(sql`name = ${name}`);
        if (cur.kind === 'teams') address = name;
      }
      if (cur.kind === 'slack') {
        if (v.webhookUrl !== undefined) throw invalidField('data.webhookUrl', 'is for MicrosoftTeams destinations only');
        if (v.channelId === null) throw invalidField('data.channelId', 'is required for Slack destinations');
        if (v.channelId !== undefined) {
          address = parseField(slackChannelId, v.channelId, 'data.channelId');
          reverify = address !== cur.address;
        }
      } else {
        if (v.channelId !== undefined) throw invalidField('data.channelId', 'is for Slack destinations only');
        if (v.webhookUrl === null) throw invalidField('data.webhookUrl', 'is required for MicrosoftTeams destinations');
        if (v.webhookUrl !== undefined) {
          const url = parseField(teamsWorkflowUrl, (v.webhookUrl as string).trim(), 'data.webhookUrl');
          sets.push(sql`secret_encrypted = ${ctx.secrets.seal(url)}`);
          reverify = true;
        }
      }
      if (address !== cur.address) {
        await assertNewAddress(ctx.tx, { projectId: ctx.projectId, userId: cur.user_id, kind: cur.kind, address, exceptId: id, title: TITLE });
        sets.push(sql`address = ${address}`);
      }
      if (reverify) sets.push(sql`is_verified = false`);
      await sql`update contact_method set ${sql.join(sets)} where id = ${id} and project_id = ${ctx.projectId}`.execute(ctx.tx);
      if (reverify) await issueVerificationCode(ctx.tx, ctx.secrets, { id, projectId: ctx.projectId, userId: cur.user_id, kind: cur.kind }, ctx.now);
    },
    async beforeDelete(ctx, id) {
      const cur = await lockContact(ctx.tx, ctx.projectId, id, ['slack', 'teams'], TITLE);
      assertMayManage(ctx.actor, cur.user_id, TITLE);
    },
  },
});
