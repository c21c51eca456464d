import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Clock } from '../storage/clock.ts';
import type { Db, Listen } from '../storage/database.ts';
import { consumeNextEvent, MAX_EVENT_ATTEMPTS } from './consume-next-event.ts';
import { dueTimes } from './due-times.ts';
import { silentLogger, type EngineLogger } from './engine-logger.ts';
import { startLoop, type Loop } from './engine-loop.ts';
import { runNextJob } from './run-next-job.ts';
import type { EngineHandlers } from './types.ts';

/** The channel the `job` and `domain_event` insert triggers notify (migration 006). */
export const ENGINE_CHANNEL = 'vigil_engine';

export interface EngineOptions {
  readonly db: Db;
  readonly clock: Clock;
  /** Looked up at run time: a kind added to `handlers.jobs` later is found. */
  readonly handlers: EngineHandlers;
  readonly logger?: EngineLogger;
  /** Written to `locked_by` with each claim (default: host, process id and a random suffix). */
  readonly workerId?: string;
  /** Events, then jobs, are run in turns of at most this many (default 100), so neither starves the other. */
  readonly batchSize?: number;
  /** The lease written with a claim (default 60 s). */
  readonly leaseMs?: number;
  /** The started loop's longest sleep, in ms (default 5000): the fallback poll. */
  readonly maxSleepMs?: number;
  /** Wake-ups on NOTIFY (`Database.listen`); without it the started loop polls. */
  readonly listen?: Listen;
}

/** What one `runDue` did. */
export interface EngineRun {
  /** Jobs run to completion. */
  readonly jobs: number;
  /** Domain events consumed. */
  readonly events: number;
  /** Failed attempts (jobs and events), each rescheduled or dead-lettered. */
  readonly failed: number;
}

export interface Engine {
  /**
   * Runs everything due at `clock.now()` until nothing due remains: unconsumed domain
   * events, then pending jobs, in turns. Each item in a transaction of its own, one after
   * the other. Failures are recorded on their rows, not thrown; throws only when the
   * database cannot be reached.
   */
  runDue(): Promise<EngineRun>;
  /** The earliest due time: a due job's `run_at`, now when an event is waiting, else the next `run_at` or event retry; null when nothing is pending. */
  nextDueAt(): Promise<Date | null>;
  /**
   * Starts the background loop (see `startLoop`); resolves once it listens for wake-ups
   * (or has logged that it cannot, and polls). Calling it again does nothing.
   */
  start(): Promise<void>;
  /** Makes the started loop run due work at once (in-process wake-up). */
  wake(): void;
  /** Stops the loop, waiting for work in flight. Safe to call twice, and without `start()`. */
  stop(): Promise<void>;
}

/** Time a loop waits before looking again at work that was due but held by another worker. */
const CONTENDED_RETRY_MS = 50;

/**
 * The job engine: durable jobs and exactly-once domain event consumption, claimed with
 * `FOR UPDATE SKIP LOCKED`, so any number of engines (in one process or many) share one
 * database and never run an item twice.
 */
export function createEngine(options: EngineOptions): Engine {
  const { db, clock, handlers } = options;
  const logger = options.logger ?? silentLogger;
  const batchSize = options.batchSize ?? 100;
  const maxSleepMs = options.maxSleepMs ?? 5_000;
  const jobDeps = {
    clock,
    get jobs() {
      return handlers.jobs;
    },
    workerId: options.workerId ?? `${os.hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`,
    leaseMs: options.leaseMs ?? 60_000,
  };
  const eventDeps = {
    clock,
    get consumers() {
      return handlers.events;
    },
  };

  /** Runs due work in turns until a turn finds nothing; answers the totals and when that last turn began. */
  const drain = async (shouldStop: () => boolean): Promise<EngineRun & { drainedAt: Date }> => {
    let jobs = 0;
    let events = 0;
    let failed = 0;
    for (;;) {
      const turnStart = clock.now();
      let worked = false;
      for (let i = 0; i < batchSize && !shouldStop(); i++) {
        const r = await consumeNextEvent(db, eventDeps);
        if (r.kind === 'none') break;
        worked = true;
        if (r.kind === 'done') events += 1;
        else {
          failed += 1;
          const dead = r.item.attempts + 1 >= MAX_EVENT_ATTEMPTS;
          logger.warn({ err: r.error, eventId: r.item.id, seq: r.item.seq, eventType: r.item.eventType, attempts: r.item.attempts + 1 },
            dead ? 'engine: domain event consumer failed for the last time; the event is set aside' : 'engine: domain event consumer failed; retrying later');
        }
      }
      for (let i = 0; i < batchSize && !shouldStop(); i++) {
        const r = await runNextJob(db, jobDeps);
        if (r.kind === 'none') break;
        worked = true;
        if (r.kind === 'done') jobs += 1;
        else {
          failed += 1;
          const dead = r.item.attempts + 1 >= r.item.maxAttempts;
          const fields = { err: r.error, jobId: r.item.id, kind: r.item.kind, key: r.item.key, attempts: r.item.attempts + 1 };
          if (dead) logger.error(fields, 'engine: job failed for the last time; it is dead');
          else logger.warn(fields, 'engine: job failed; retrying later');
        }
      }
      if (!worked || shouldStop()) return { jobs, events, failed, drainedAt: turnStart };
    }
  };

  const delayAfter = async (drainedAt: Date): Promise<number> => {
    const due = await dueTimes(db, drainedAt);
    let delay = Number.POSITIVE_INFINITY;
    // Due when the last turn looked, yet not claimed: another worker holds it.
    if (due.jobDue || due.eventDue) delay = CONTENDED_RETRY_MS;
    if (due.next) delay = Math.min(delay, due.next.getTime() - clock.now().getTime());
    return Math.max(0, delay);
  };

  let loop: Loop | undefined;
  const subscribe = options.listen;
  return {
    async runDue() {
      const { drainedAt: _at, ...run } = await drain(() => false);
      return run;
    },
    async nextDueAt() {
      const now = clock.now();
      const due = await dueTimes(db, now);
      if (due.jobDue) return due.jobDue;
      if (due.eventDue) return now;
      return due.next;
    },
    start() {
      loop ??= startLoop({
        drain: async (shouldStop) => (await drain(shouldStop)).drainedAt,
        delayAfter,
        ...(subscribe
          ? {
              subscribe: (onNotify: () => void) =>
                subscribe(ENGINE_CHANNEL, onNotify, (err) => logger.warn({ err }, 'engine: the connection listening for wake-ups failed; re-establishing it')),
            }
          : {}),
        logger,
        maxSleepMs,
      });
      return loop.ready;
    },
    wake() {
      loop?.wake();
    },
    async stop() {
      await loop?.stop();
    },
  };
}
