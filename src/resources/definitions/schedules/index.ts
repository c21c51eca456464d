import type { Resource } from '../../definition.ts';
import { calendarFeedTokenResource } from './calendar-feed-token.ts';
import { layerUserResource } from './layer-user.ts';
import { layerResource } from './layer.ts';
import { scheduleResource } from './schedule.ts';
import { temporaryScheduleResource } from './temporary-schedule.ts';
import { timeLogResource } from './time-log.ts';
import { userOverrideResource } from './user-override.ts';

/** On-call schedules, their layers, users, overrides and temporary schedules, the time log and iCal feed tokens. */
export const SCHEDULE_RESOURCES: readonly Resource[] = [
  scheduleResource,
  layerResource,
  layerUserResource,
  userOverrideResource,
  temporaryScheduleResource,
  timeLogResource,
  calendarFeedTokenResource,
];
