import type { DomainEventHandler, EngineHandlers, JobHandler } from '../engine/types.ts';
import type { SubjectType } from '../incidents/subjects.ts';
import { startPoliciesFor, stopPoliciesFor } from './dispatch.ts';
import { advanceExecution, EXECUTE_RULE_JOB, RECHECK_RULE_JOB, recheckRule, type RecheckPayload, type StepPayload } from './execution.ts';
import { SUBJECT_TYPES } from './model.ts';

const executeRule: JobHandler = async ({ tx, job, now }) => {
  await advanceExecution(tx, job.payload as unknown as StepPayload, now);
};

const recheck: JobHandler = async ({ tx, job, now }) => {
  await recheckRule(tx, job.payload as unknown as RecheckPayload, now);
};

/**
 * Starts the policies of each incident, alert and episode created (`incident.created`,
 * `alert.created`, `alert_episode.created`, `incident_episode.created`) and stops runs when
 * their subject (or its episode, or an episode's members) is acknowledged, resolved or
 * deleted. The acknowledging user is the event's actor; the time, the event's.
 */
const onLifecycleEvent: DomainEventHandler = async ({ tx, event, now }) => {
  const type = event.subjectType as SubjectType;
  if (!SUBJECT_TYPES.includes(type)) return;
  const verb = event.eventType.slice(event.eventType.lastIndexOf('.') + 1);
  const subject = { type, id: event.subjectId };
  if (verb === 'created') {
    await startPoliciesFor(tx, event.projectId, subject, now);
  } else if (verb === 'acknowledged' || verb === 'resolved' || verb === 'deleted') {
    const actor = (event.payload.actor ?? null) as { userId?: string | null; via?: string | null } | null;
    await stopPoliciesFor(tx, event.projectId, subject, verb, actor?.userId ?? null, event.createdAt, now, actor?.via ?? null);
  }
};

/** What the engine runs for on-call duty policies: the two job kinds of a run and the lifecycle consumer. */
export const onCallHandlers: EngineHandlers = {
  jobs: {
    [EXECUTE_RULE_JOB]: executeRule,
    [RECHECK_RULE_JOB]: recheck,
  },
  events: [onLifecycleEvent],
};
