import { NOTIFICATION_PERMISSION_SUBJECTS } from '../notifications/permission-subjects.ts';
import { POLICY_PERMISSION_SUBJECTS } from '../policies/permission-subjects.ts';
import { READ_ALL, ROLES } from './roles.ts';

/**
 * The subjects of fine-grained permissions: each has `Create`, `Read`, `Edit` and
 * `Delete` grants named after it (OneUptime's naming). A new resource adds its title here;
 * the registry refuses to start if a resource asks for a permission not in this catalog.
 */
const SUBJECTS = [
  'Project',
  'Team',
  'Team Member',
  'Team Permission',
  'Label',
  'API Key',
  'Project User',
  'Incident',
  'Alert',
  'Incident Episode',
  'Alert Episode',
  'Incident Severity',
  'Alert Severity',
  'Incident Feed',
  'Alert Feed',
  'Incident Episode Feed',
  'Alert Episode Feed',
  'Domain Event',
  'Integration',
  'Monitor',
  'Scheduled Maintenance',
  'Change Event',
  'On-Call Duty Policy Schedule',
  'On-Call Duty Schedule Layer',
  'On-Call Duty Schedule Layer User',
  'On-Call Duty Policy User Override',
  'Temporary On-Call Duty Schedule',
  'On-Call Duty Policy Time Log',
  'Calendar Feed Token',
  ...POLICY_PERMISSION_SUBJECTS,
  ...NOTIFICATION_PERMISSION_SUBJECTS,
  'Escalation Policy',
  'Escalation Policy Log',
] as const;

const VERBS = ['Create', 'Read', 'Edit', 'Delete'] as const;

/** Every permission name that can be granted to a key or team. */
export const PERMISSIONS: readonly string[] = [
  ...ROLES,
  READ_ALL,
  ...SUBJECTS.flatMap((s) => VERBS.map((v) => `${v} ${s}`)),
];

export function isPermission(name: string): boolean {
  return PERMISSIONS.includes(name);
}
