import { readOnlyPermissions } from '../../../access/roles.ts';
import { defineResource } from '../../definition.ts';

/**
 * Every deadline-escalation level fired: the incident, the policy, the condition breached,
 * the level, when it was due and when it ran, who was reached over which medium and who was
 * skipped and why. Written by the engine; read-only over the API.
 */
export const escalationPolicyLogResource = defineResource({
  name: 'escalation-policy-log',
  title: 'Escalation Policy Log',
  description:
    'One row per escalation level fired by a deadline (SLA) escalation policy: condition (start, due, unassigned), level (L0–L3), ' +
    'recipients reached with their medium, skipped recipients with the reason. Read-only.',
  table: 'sla_escalation_log',
  hasCreatedBy: false,
  defaultSort: { field: 'firedAt', direction: 'desc' },
  columns: {
    incidentId: { kind: 'uuid', description: 'ID of the incident that breached' },
    escalationPolicyId: { kind: 'text', description: 'ID of the escalation policy (32 hexadecimal digits, lower case)' },
    policyName: { kind: 'text', description: 'Name of the policy when the level fired' },
    breachId: { kind: 'uuid', description: 'ID of the breach; its levels share it' },
    condition: { kind: 'enum', values: ['start', 'due', 'unassigned'], description: 'What was breached: start (not acknowledged or started in time), due (not resolved in time), unassigned' },
    breachNo: { kind: 'integer', description: 'Which breach of this condition on this incident under this policy: 1, 2, ... (an incident unassigned again breaches again)' },
    level: { kind: 'enum', values: ['L0', 'L1', 'L2', 'L3'], description: 'Escalation level fired' },
    breachedAt: { kind: 'date', description: 'When the condition was breached' },
    scheduledAt: { kind: 'date', description: 'When the level was due' },
    firedAt: { kind: 'date', description: 'When the level ran' },
    recipients: { kind: 'json', description: 'Reached: [{entity, entityMedium, method, userId, teamId}]; one outbox message each' },
    skippedRecipients: { kind: 'json', description: 'Not reached: [{entity, entityMedium, userId, teamId, reason}]' },
  },
  permissions: readOnlyPermissions('Escalation Policy Log'),
});
