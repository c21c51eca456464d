import { standardPermissions } from '../../../access/roles.ts';
import { conflict, invalidField } from '../../../errors.ts';
import { startExecution } from '../../../policies/execution.ts';
import {
  EVENT_TYPE_ALIASES,
  EVENT_TYPE_OF,
  EVENT_TYPES,
  EXECUTION_STATUS_ALIASES,
  EXECUTION_STATUSES,
  SUBJECT_TYPES,
  TRIGGER_FIELD,
  type EventType,
  type SubjectRef,
} from '../../../policies/model.ts';
import { loadSubject, subjectLabel } from '../../../policies/subjects.ts';
import { defineResource } from '../../definition.ts';

/** Statuses a run may be created with: it starts at once, so any starting status ends up Executing. */
const STARTING = ['Scheduled', 'Started', 'Executing'];

const read = standardPermissions('On-Call Duty Policy Execution Log');

/**
 * The execution log of on-call duty policies (OneUptime's `on-call-duty-policy-execution-log`,
 * seed 000): one row per run of a policy, written by the runs. Create starts a run by hand (at
 * most one of the four trigger ids; `triggeredByUserId` defaults to the key's user); there is no
 * update and no delete.
 */
export const executionLogResource = defineResource({
  name: 'on-call-duty-policy-execution-log',
  title: 'On-Call Duty Execution Log',
  description: 'Logs for on-call duty policy execution: one row per run of a policy, with its status, the last rule run and who acknowledged.',
  table: 'on_call_policy_execution',
  defaultSelect: ['onCallDutyPolicyId', 'projectId', 'status', 'statusMessage', 'userNotificationEventType'],
  columns: {
    onCallDutyPolicyId: {
      kind: 'uuid',
      column: 'policy_id',
      description: 'ID of your On-Call Policy which belongs to this execution log event.',
      required: true,
      references: 'on-call-duty-policy',
    },
    triggeredByIncidentId: { kind: 'uuid', description: 'ID of the incident which triggered this on-call escalation policy.', create: true, references: 'incident' },
    triggeredByAlertId: { kind: 'uuid', description: 'ID of the alert which triggered this on-call escalation policy.', create: true, references: 'alert' },
    triggeredByAlertEpisodeId: {
      kind: 'uuid',
      description: 'ID of the alert episode which triggered this on-call escalation policy.',
      create: true,
      references: 'alert-episode',
    },
    triggeredByIncidentEpisodeId: {
      kind: 'uuid',
      description: 'ID of the incident episode which triggered this on-call escalation policy.',
      create: true,
      references: 'incident-episode',
    },
    status: {
      kind: 'enum',
      description: `Status of this execution: ${EXECUTION_STATUSES.join(', ')} (on create: Scheduled, Started or Executing; the run starts at once)`,
      values: EXECUTION_STATUSES,
      aliases: EXECUTION_STATUS_ALIASES,
      create: true,
    },
    statusMessage: { kind: 'longText', description: 'Status message of this execution (one given on create is kept until the run ends)', create: true, maxLength: 10_000 },
    userNotificationEventType: {
      kind: 'enum',
      description: `Type of event that triggered this on-call duty policy: ${EVENT_TYPES.join(', ')} (IncidentCreated, ... accepted)`,
      values: EVENT_TYPES,
      aliases: EVENT_TYPE_ALIASES,
      create: true,
    },
    acknowledgedByUserId: { kind: 'uuid', description: 'User ID who acknowledged this object (if this object was acknowledged by a User)' },
    acknowledgedAt: { kind: 'date', description: 'When was this policy execution acknowledged?' },
    acknowledgedByTeamId: { kind: 'uuid', description: 'Team ID who acknowledged this object (the acknowledging user was paged as a member of it)' },
    lastExecutedEscalationRuleOrder: { kind: 'integer', description: 'Which escalation rule was executed?' },
    lastEscalationRuleExecutedAt: { kind: 'date', description: 'When was the escalation rule executed?' },
    lastExecutedEscalationRuleId: { kind: 'uuid', description: 'ID of your On-Call Policy Last Executed Escalation Rule.' },
    executeNextEscalationRuleInMinutes: { kind: 'integer', description: 'How many minutes should we wait before executing the next escalation rule?' },
    onCallPolicyExecutionRepeatCount: {
      kind: 'integer',
      description: 'How many times did we execute this on-call policy? (1 on the first pass; accepted on create, where a new run always starts at 1)',
      create: true,
      min: 0,
      max: 1_000_000,
    },
    triggeredByUserId: { kind: 'uuid', description: 'User ID who triggered this on-call policy (on create: the API key\'s user unless given)', create: true, references: 'user' },
  },
  permissions: { read: read.read, create: read.create, update: null, delete: null },
  hooks: {
    async create(ctx, v) {
      const subjects: SubjectRef[] = SUBJECT_TYPES.filter((t) => v[TRIGGER_FIELD[t]] != null).map((t) => ({ type: t, id: v[TRIGGER_FIELD[t]] as string }));
      if (subjects.length > 1) {
        throw invalidField(`data.${TRIGGER_FIELD[subjects[1]!.type]}`, `give at most one of ${Object.values(TRIGGER_FIELD).join(', ')}`);
      }
      const subject = subjects[0] ?? null;
      const status = v.status as string | undefined | null;
      if (status != null && !STARTING.includes(status)) {
        throw invalidField('data.status', `a new run starts as ${STARTING.join(', ')} (it ends as ${EXECUTION_STATUSES.slice(3).join(', ')} by itself)`);
      }
      let eventType = (v.userNotificationEventType ?? undefined) as EventType | undefined;
      if (subject) {
        const expected = EVENT_TYPE_OF[subject.type];
        if (eventType !== undefined && eventType !== expected) {
          throw invalidField('data.userNotificationEventType', `must be ${expected} for a run triggered by ${subjectLabel(subject.type).toLowerCase()} (or be left out)`);
        }
        eventType = expected;
        const info = await loadSubject(ctx.tx, ctx.projectId, subject);
        if (info && info.state !== 'Created') {
          throw conflict(`data.${TRIGGER_FIELD[subject.type]}: the ${subjectLabel(subject.type).toLowerCase()} is ${info.state}; a run would stop at once`);
        }
      }
      const run = await startExecution(ctx.tx, {
        projectId: ctx.projectId,
        policyId: v.onCallDutyPolicyId as string,
        subject,
        ...(eventType ? { eventType } : {}),
        triggeredByUserId: (v.triggeredByUserId as string | undefined) ?? ctx.actor.userId,
        createdByUserId: ctx.actor.userId,
        startKey: null,
        statusMessage: (v.statusMessage as string | undefined) ?? null,
        reason: 'started by hand',
      }, ctx.now);
      return { id: run.id };
    },
  },
});
