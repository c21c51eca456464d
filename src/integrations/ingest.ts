import { sql } from 'kysely';
import type { Clock } from '../storage/clock.ts';
import type { Db } from '../storage/database.ts';
import { integrationChangeActor, type ChangeContext } from '../incidents/change-context.ts';
import { openEpisode } from '../incidents/episodes.ts';
import { transition } from '../incidents/lifecycle.ts';
import { maintenanceQuery } from '../incidents/maintenance.ts';
import { severityIdQuery } from '../incidents/severities.ts';
import { EPISODE_OF } from '../incidents/subjects.ts';
import { findOpenByDedupKey, trigger, type TriggerResult } from '../incidents/trigger.ts';
import { fieldGroup } from './field-grouping.ts';
import type { Integration } from './integration.ts';
import { findOpenOccurrence } from './redelivery.ts';

/** A trigger as any integration delivers it, after its own protocol is parsed. */
export interface InboundTrigger {
  readonly dedupKey: string;
  readonly title: string;
  readonly description?: string | null;
  /** The source's own severity word (critical, error, warning, info, ...). */
  readonly severity?: string | null;
  readonly customFields?: Record<string, unknown>;
  readonly links?: readonly unknown[];
  /** Groups this trigger into the open episode with this key (an Alertmanager group). */
  readonly episode?: { readonly groupKey: string; readonly title: string };
  /**
   * Custom fields that identify this occurrence (Alertmanager: `startsAt`). When the open
   * item with the dedup key already carries these values, the trigger is a redelivery:
   * nothing is written (no fold, no feed entry, no event) and the result says so.
   */
  readonly occurrence?: Readonly<Record<string, string>>;
}

export type InboundResult = TriggerResult & { readonly suppressed: boolean; readonly redelivery?: boolean };

/** One event of a batch: a trigger, or a follow-up on a dedup key. */
export type InboundEvent =
  | { readonly action: 'trigger'; readonly trigger: InboundTrigger }
  | { readonly action: 'acknowledge' | 'resolve'; readonly dedupKey: string };

/** What one event of a batch did: a trigger's result, or whether a follow-up changed anything. */
export type BatchResult =
  | ({ readonly action: 'trigger' } & InboundResult)
  | { readonly action: 'acknowledge' | 'resolve'; readonly changed: boolean };

/**
 * Applies inbound events for one integration, each call in one transaction, so the
 * caller can answer 2xx only once the data is durably written.
 */
export class Ingest {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Opens an alert or incident, or folds into the open one with the same dedup key. */
  async trigger(integration: Integration, t: InboundTrigger): Promise<InboundResult> {
    return this.#inTx(integration, (ctx) => this.#trigger(ctx, integration, t));
  }

  /**
   * Acknowledges or resolves the open item with this dedup key from this integration.
   * An unknown or already resolved key is accepted and changes nothing (PagerDuty's rule).
   * Returns whether anything changed.
   */
  async followUp(integration: Integration, dedupKey: string, action: 'acknowledge' | 'resolve'): Promise<boolean> {
    return this.#inTx(integration, (ctx) => this.#followUp(ctx, integration, dedupKey, action));
  }

  /**
   * Applies several events, in order, in one transaction: all of them are written or none
   * is (an Alertmanager notification). Throws what the first failing event throws.
   */
  async applyBatch(integration: Integration, events: readonly InboundEvent[]): Promise<BatchResult[]> {
    return this.#inTx(integration, async (ctx) => {
      const results: BatchResult[] = [];
      for (const e of events) {
        results.push(
          e.action === 'trigger'
            ? { action: 'trigger', ...(await this.#trigger(ctx, integration, e.trigger)) }
            : { action: e.action, changed: await this.#followUp(ctx, integration, e.dedupKey, e.action) },
        );
      }
      return results;
    });
  }

  async #trigger(ctx: ChangeContext, integration: Integration, t: InboundTrigger): Promise<InboundResult> {
    const type = integration.creates;
    // Severity and maintenance in one round trip: this is the hot path of every inbound event.
    const looked = await sql<{ severity_id: string | null; suppressed: boolean }>`select
        ${severityIdQuery(type, integration.projectId, t.severity, integration.severityMap)} as severity_id,
        ${maintenanceQuery(integration.projectId, { integrationId: integration.id }, ctx.now)} as suppressed`.execute(ctx.tx);
    const severityId = looked.rows[0]?.severity_id ?? null;
    const suppressed = looked.rows[0]?.suppressed === true;
    // Opening (or locking) the episode first also serialises concurrent deliveries of one group,
    // so the redelivery check below sees what an earlier delivery committed.
    const group = t.episode ?? fieldGroup(integration.episodeGroupBy, t);
    const episodeId = group
      ? (
          await openEpisode(ctx, EPISODE_OF[type], {
            groupKey: group.groupKey,
            title: group.title,
            integrationId: integration.id,
            windowSeconds: t.episode ? null : integration.episodeWindowSeconds,
          })
        ).id
      : null;
    if (t.occurrence) {
      const seen = await findOpenOccurrence(ctx, type, integration.id, t.dedupKey, t.occurrence);
      if (seen) return { id: seen, created: false, suppressed, redelivery: true };
    }
    const result = await trigger(ctx, type, {
      title: t.title,
      description: t.description ?? null,
      severityId,
      integrationId: integration.id,
      dedupKey: t.dedupKey,
      source: integration.type,
      labels: integration.labelIds,
      customFields: t.customFields ?? {},
      links: t.links ?? [],
      episodeId,
      suppressed,
      priority: integration.defaultPriority,
    });
    return { ...result, suppressed };
  }

  async #followUp(ctx: ChangeContext, integration: Integration, dedupKey: string, action: 'acknowledge' | 'resolve'): Promise<boolean> {
    const id = await findOpenByDedupKey(ctx, integration.creates, integration.id, dedupKey);
    if (!id) return false;
    return transition(ctx, integration.creates, id, action, { mode: 'lenient' });
  }

  #inTx<T>(integration: Integration, fn: (ctx: ChangeContext) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((tx) =>
      fn({ tx, projectId: integration.projectId, actor: integrationChangeActor(integration.id, 'integration'), now: this.clock.now() }),
    );
  }
}
