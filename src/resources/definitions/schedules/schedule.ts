import { standardPermissions } from '../../../access/roles.ts';
import { defineResource } from '../../definition.ts';
import { parseTimeZone } from './time-zone.ts';

/**
 * On-call schedules (OneUptime's `on-call-duty-policy-schedule`). The time zone is required
 * and must be an IANA name. The roster fields are a cache the roster refresher keeps
 * current (`src/schedules/refresh-rosters.ts`); they cannot be written over the API.
 */
export const scheduleResource = defineResource({
  name: 'on-call-duty-policy-schedule',
  title: 'On-Call Duty Policy Schedule',
  description: 'On-call schedules: layers of rotating users, overrides and temporary schedules, in one IANA time zone.',
  table: 'on_call_schedule',
  columns: {
    name: { kind: 'text', description: 'Name of the schedule', required: true, update: true, maxLength: 200 },
    description: { kind: 'longText', description: 'Description', create: true, update: true, maxLength: 10_000 },
    timezone: {
      kind: 'text',
      description: 'IANA time zone (e.g. Europe/Berlin) in which hand-off and restriction times are read; required, no server-local fallback',
      required: true,
      update: true,
      maxLength: 64,
    },
    currentUserIdOnRoster: { kind: 'uuid', description: 'Who is on call now (roster cache, read-only)' },
    nextUserIdOnRoster: { kind: 'uuid', description: 'Who is on call next (roster cache, read-only)' },
    rosterStartAt: { kind: 'date', description: 'When the current on-call shift started (roster cache, read-only)' },
    rosterHandoffAt: { kind: 'date', description: 'When the current on-call person hands off (roster cache, read-only)' },
    rosterNextStartAt: { kind: 'date', description: 'When the next on-call shift starts (roster cache, read-only)' },
    rosterNextHandoffAt: { kind: 'date', description: 'When the next on-call person hands off (roster cache, read-only)' },
  },
  permissions: standardPermissions('On-Call Duty Policy Schedule'),
  hooks: {
    async beforeCreate(_ctx, v) {
      v.timezone = parseTimeZone(v.timezone, 'data.timezone');
    },
    async beforeUpdate(_ctx, _id, v) {
      if (v.timezone !== undefined) v.timezone = parseTimeZone(v.timezone, 'data.timezone');
    },
  },
});
