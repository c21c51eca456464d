import type { Resource } from '../definition.ts';
import { NOTIFICATION_RESOURCES } from '../../notifications/resources.ts';
import { apiKeyResource } from './api-key.ts';
import { INCIDENT_RESOURCES } from './incidents/index.ts';
import { labelResource } from './label.ts';
import { POLICY_RESOURCES } from './policies/index.ts';
import { projectResource } from './project.ts';
import { SCHEDULE_RESOURCES } from './schedules/index.ts';
import { escalationPolicyLogResource } from './sla/escalation-policy-log.ts';
import { teamMemberResource } from './team-member.ts';
import { teamPermissionResource } from './team-permission.ts';
import { teamResource } from './team.ts';
import { userResource } from './user.ts';

/** Every resource served under `/api/<name>`. A new resource is one definition file and one line here. */
export const RESOURCES: readonly Resource[] = [
  projectResource,
  userResource,
  teamResource,
  teamMemberResource,
  teamPermissionResource,
  labelResource,
  apiKeyResource,
  ...INCIDENT_RESOURCES,
  ...SCHEDULE_RESOURCES,
  ...POLICY_RESOURCES,
  escalationPolicyLogResource,
  ...NOTIFICATION_RESOURCES,
];
