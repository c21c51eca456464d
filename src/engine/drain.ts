import type { Clock } from '../storage/clock.ts';
import type { Db } from '../storage/database.ts';
import { consumeNextEvent, MAX_EVENT_ATTEMPTS, type EventConsumerDeps } from './consume-next-event.ts';
import { dueTimes } from './due-times.ts';
import type { EngineLogger } from './engine-logger.ts';
import { runNextJob, type JobRunnerDeps } from './run-next-job.ts';

/** What one drain did. */
export interface EngineRun {
  /** Jobs run to completion. */
  readonly jobs: number;
  /** Domain events consumed. */
  readonly events: number;
  /** Failed attempts (jobs and events), each rescheduled or dead-lettered. */
  readonly failed: number;
}

/** How a drain ended: what to wait for next. */
export interface DrainEnd extends EngineRun {
  /** The earliest due time after the drain's last look, if any. */
  readonly next: Date | null;
  /** Work was due at the last look yet could not be claimed: another worker holds it. */
  readonly contended: boolean;
}

export interface DrainDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly jobs: JobRunnerDeps;
  readonly events: EventConsumerDeps;
  readonly logger: EngineLogger;
  /** Items of one kind (events, then jobs) run in a turn before the other kind gets its turn. */
  readonly batchSize: number;
}

/**
 * Runs due work in turns until a turn finds none: each turn first asks what is due (one
 * cheap query, so an idle tick costs one round trip), then runs due events and then due
 * jobs, each item in its own transaction, at most `batchSize` of each. Stops between items
 * once `shouldStop()`. Failed items are logged and counted, not thrown.
 */
export async function drain(deps: DrainDeps, shouldStop: () => boolean): Promise<DrainEnd> {
  const { db, clock, logger, batchSize } = deps;
  let jobs = 0;
  let events = 0;
  let failed = 0;
  for (;;) {
    const due = await dueTimes(db, clock.now());
    const end = { jobs, events, failed, next: due.next };
    if ((!due.jobDue && !due.eventDue) || shouldStop()) return { ...end, contended: false };
    let worked = false;
    for (let i = 0; due.eventDue && i < batchSize && !shouldStop(); i++) {
      const r = await consumeNextEvent(db, deps.events);
      if (r.kind === 'none') break;
      worked = true;
      if (r.kind === 'done') {
        events += 1;
        continue;
      }
      failed += 1;
      const attempts = r.item.attempts + 1;
      logger.warn(
        { err: r.error, eventId: r.item.id, seq: r.item.seq, eventType: r.item.eventType, attempts },
        attempts >= MAX_EVENT_ATTEMPTS ? 'engine: domain event consumer failed for the last time; the event is set aside' : 'engine: domain event consumer failed; retrying later',
      );
    }
    for (let i = 0; due.jobDue && i < batchSize && !shouldStop(); i++) {
      const r = await runNextJob(db, deps.jobs);
      if (r.kind === 'none') break;
      worked = true;
      if (r.kind === 'done') {
        jobs += 1;
        continue;
      }
      failed += 1;
      const attempts = r.item.attempts + 1;
      const fields = { err: r.error, jobId: r.item.id, kind: r.item.kind, key: r.item.key, attempts };
      if (attempts >= r.item.maxAttempts) logger.error(fields, 'engine: job failed for the last time; it is dead');
      else logger.warn(fields, 'engine: job failed; retrying later');
    }
    if (!worked) return { jobs, events, failed, next: due.next, contended: !shouldStop() };
  }
}
