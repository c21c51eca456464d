import { newId } from '../../../storage/ids.ts';
import { sql } from 'kysely';
import { standardPermissions } from '../../../access/roles.ts';
import { feedPath, generateFeedToken } from '../../../calendar/feed-token.ts';
import { invalidField } from '../../../errors.ts';
import { defineResource } from '../../definition.ts';

/**
 * iCal subscription feeds, one per schedule or per user. Creating one answers the feed
 * token and its path once (`feedToken`, `feedPath`); only a digest is stored. Deleting the
 * row revokes the feed at once.
 */
export const calendarFeedTokenResource = defineResource({
  name: 'calendar-feed-token',
  title: 'Calendar Feed Token',
  description: 'Secret iCal feed URLs of a schedule\'s or a user\'s on-call shifts. The token is shown once, on create; delete to revoke.',
  table: 'calendar_feed_token',
  columns: {
    name: { kind: 'text', description: 'Name, to tell feeds apart', create: true, update: true, maxLength: 200 },
    onCallDutyPolicyScheduleId: {
      kind: 'uuid',
      column: 'schedule_id',
      description: 'The schedule whose shifts the feed shows (give this or userId)',
      create: true,
      references: 'on-call-duty-policy-schedule',
    },
    userId: { kind: 'uuid', description: "The user whose shifts across all schedules the feed shows (give this or onCallDutyPolicyScheduleId)", create: true, references: 'user' },
    tokenPrefix: { kind: 'text', description: 'First characters of the token' },
  },
  permissions: standardPermissions('Calendar Feed Token'),
  hooks: {
    async create(ctx, v) {
      const scheduleId = (v.onCallDutyPolicyScheduleId as string | null | undefined) ?? null;
      const userId = (v.userId as string | null | undefined) ?? null;
      if ((scheduleId === null) === (userId === null)) {
        throw invalidField('data.onCallDutyPolicyScheduleId', 'give exactly one of onCallDutyPolicyScheduleId and userId');
      }
      const id = newId();
      const token = generateFeedToken();
      await sql`insert into calendar_feed_token (id, project_id, name, schedule_id, user_id, token_hash, token_prefix, created_at, updated_at, created_by_user_id)
        values (${id}, ${ctx.projectId}, ${v.name ?? null}, ${scheduleId}, ${userId}, ${token.hash}, ${token.prefix}, ${ctx.now}, ${ctx.now}, ${ctx.actor.userId})`.execute(ctx.tx);
      return { id, extra: { feedToken: token.secret, feedPath: feedPath(token.secret) } };
    },
  },
});
