import { sql } from 'kysely';
import { standardPermissions } from '../../../access/roles.ts';
import { invalidField } from '../../../errors.ts';
import { autoStartKey } from '../../../policies/dispatch.ts';
import { startExecution } from '../../../policies/execution.ts';
import { SUBJECT_COLUMN, type SubjectRef } from '../../../policies/model.ts';
import { loadSubject } from '../../../policies/subjects.ts';
import { newId } from '../../../storage/ids.ts';
import { defineResource } from '../../definition.ts';

const SUBJECT_FIELDS = [
  { field: 'incidentId', type: 'incident' },
  { field: 'alertId', type: 'alert' },
  { field: 'alertEpisodeId', type: 'alert-episode' },
  { field: 'incidentEpisodeId', type: 'incident-episode' },
] as const;

/**
 * A policy attached by hand to one incident, alert or episode (exactly one of the four ids).
 * Attached to an open subject, it starts at once (the create answer names the run in
 * `onCallDutyPolicyExecutionLogId`); the subject's creation event, handled later, finds it
 * already running. A policy runs once per subject however it was chosen.
 * Immutable: create and delete only (deleting does not stop a run).
 */
export const attachmentResource = defineResource({
  name: 'on-call-duty-policy-attachment',
  title: 'On-Call Duty Policy Attachment',
  description: 'On-call duty policies attached to one incident, alert or episode: they run for it.',
  table: 'on_call_policy_attachment',
  columns: {
    onCallDutyPolicyId: { kind: 'uuid', column: 'policy_id', description: 'ID of the policy', required: true, references: 'on-call-duty-policy' },
    incidentId: { kind: 'uuid', description: 'ID of the incident', create: true, references: 'incident' },
    alertId: { kind: 'uuid', description: 'ID of the alert', create: true, references: 'alert' },
    alertEpisodeId: { kind: 'uuid', description: 'ID of the alert episode', create: true, references: 'alert-episode' },
    incidentEpisodeId: { kind: 'uuid', description: 'ID of the incident episode', create: true, references: 'incident-episode' },
  },
  permissions: { ...standardPermissions('On-Call Duty Policy Attachment'), update: null },
  hooks: {
    async create(ctx, v) {
      const given = SUBJECT_FIELDS.filter((s) => v[s.field] !== undefined && v[s.field] !== null);
      if (given.length !== 1) throw invalidField('data', 'give exactly one of incidentId, alertId, alertEpisodeId, incidentEpisodeId');
      const s = given[0]!;
      const subject: SubjectRef = { type: s.type, id: v[s.field] as string };
      const policyId = v.onCallDutyPolicyId as string;
      const id = newId();
      await sql`insert into on_call_policy_attachment (id, project_id, policy_id, ${sql.ref(SUBJECT_COLUMN[s.type])}, created_at, updated_at, created_by_user_id)
        values (${id}, ${ctx.projectId}, ${policyId}, ${subject.id}, ${ctx.now}, ${ctx.now}, ${ctx.actor.userId})`.execute(ctx.tx);
      const info = await loadSubject(ctx.tx, ctx.projectId, subject);
      let runId: string | null = null;
      if (info && info.state === 'Created' && !info.suppressed) {
        runId = (await startExecution(ctx.tx, { projectId: ctx.projectId, policyId, subject, startKey: autoStartKey(policyId, subject), reason: 'attached to it' }, ctx.now)).id;
      }
      return { id, extra: { onCallDutyPolicyExecutionLogId: runId } };
    },
  },
});
