import { sql } from 'kysely';
import type { ChangeActor } from '../../incidents/change-context.ts';
import { transition } from '../../incidents/lifecycle.ts';
import { label } from '../../incidents/subjects.ts';
import type { Clock } from '../../storage/clock.ts';
import type { Db } from '../../storage/database.ts';
import { subjectOf, type OutboxRow } from '../sender/outbox-row.ts';

/** The channel an acknowledgement came through, as the feed and the run's timeline record it. */
export type AckChannel = 'email' | 'sms' | 'call' | 'slack' | 'teams' | 'webhook' | 'in-app' | 'api';

export interface DeliveryAction {
  readonly deliveryId: string;
  readonly action: 'acknowledge' | 'resolve';
  readonly via: AckChannel;
  /** The person acting; the delivery's recipient when not given. */
  readonly userId?: string | null;
}

/** What acting on a delivery came to, for the channel's answer (an SMS reply, a Slack message update). */
export interface ActionResult {
  readonly outcome: 'done' | 'already' | 'no-subject';
  readonly subjectLabel: string | null;
  readonly title: string | null;
  readonly projectId: string | null;
}

/**
 * The one path every channel acknowledges or resolves through: the delivery's incident, alert
 * or episode moves (its feed and domain event written in the same transaction, `via` naming
 * the channel), which stops its escalation at once. Acting twice is harmless (`already`).
 */
export async function actOnDelivery(db: Db, clock: Clock, a: DeliveryAction): Promise<ActionResult> {
  return db.transaction().execute(async (tx) => {
    const r = await sql<OutboxRow & { delivery_user_id: string | null }>`select o.*, d.user_id as delivery_user_id
      from notification_delivery d join notification_outbox o on o.id = d.outbox_id where d.id = ${a.deliveryId}`.execute(tx);
    const row = r.rows[0];
    if (!row) return { outcome: 'no-subject', subjectLabel: null, title: null, projectId: null };
    const subject = subjectOf(row);
    if (!subject) return { outcome: 'no-subject', subjectLabel: null, title: row.title, projectId: row.project_id };
    const now = clock.now();
    const userId = a.userId ?? row.delivery_user_id;
    const actor: ChangeActor = { type: userId ? 'user' : 'system', id: userId, userId, via: a.via };
    const changed = await transition({ tx, projectId: row.project_id, actor, now }, subject.type, subject.id, a.action, {
      mode: 'lenient',
      note: `by ${userId ? `user ${userId}` : 'a recipient'} via ${a.via}`,
    });
    if (changed && a.action === 'acknowledge') {
      await sql`update notification_delivery set acknowledged_at = ${now}, updated_at = ${now} where id = ${a.deliveryId}`.execute(tx);
    }
    return { outcome: changed ? 'done' : 'already', subjectLabel: label(subject.type), title: row.title, projectId: row.project_id };
  });
}
