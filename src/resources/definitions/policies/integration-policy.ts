import { sql } from 'kysely';
import { standardPermissions } from '../../../access/roles.ts';
import { invalidField } from '../../../errors.ts';
import { SUBJECT_TYPES } from '../../../policies/model.ts';
import { defineResource } from '../../definition.ts';

/** What an integration opens (`creates`), and the subject types its policies may run for. */
const ALLOWED: Record<string, readonly string[]> = {
  alert: ['alert', 'alert-episode'],
  incident: ['incident', 'incident-episode'],
};

/**
 * An on-call duty policy an integration's events run: for each alert or incident it opens
 * (`subjectType` left out), or for each episode it groups them into (`subjectType`
 * `alert-episode` / `incident-episode`). Immutable: create and delete only.
 */
export const integrationPolicyResource = defineResource({
  name: 'integration-on-call-duty-policy',
  title: 'Integration On-Call Duty Policy',
  description: 'On-call duty policies an integration runs for what it opens (PagerDuty Events v2, Alertmanager, generic webhook, heartbeat).',
  table: 'integration_on_call_policy',
  columns: {
    integrationId: { kind: 'uuid', description: 'ID of the integration', required: true, references: 'integration' },
    onCallDutyPolicyId: { kind: 'uuid', column: 'policy_id', description: 'ID of the policy', required: true, references: 'on-call-duty-policy' },
    subjectType: {
      kind: 'enum',
      description: "What the policy runs for: left out, each alert or incident the integration opens; alert-episode or incident-episode, each episode it groups them into",
      values: SUBJECT_TYPES,
      create: true,
    },
  },
  permissions: { ...standardPermissions('Integration On-Call Duty Policy'), update: null },
  hooks: {
    async beforeCreate(ctx, v) {
      if (v.subjectType === undefined || v.subjectType === null) return;
      const res = await sql<{ creates: string }>`select creates from integration where id = ${v.integrationId as string}`.execute(ctx.tx);
      const creates = res.rows[0]!.creates;
      if (!ALLOWED[creates]?.includes(v.subjectType as string)) {
        throw invalidField('data.subjectType', `this integration opens ${creates}s: use ${ALLOWED[creates]?.join(' or ')} (or leave it out)`);
      }
    },
  },
});
