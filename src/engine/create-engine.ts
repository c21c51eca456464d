import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Clock } from '../storage/clock.ts';
import type { Db, Listen } from '../storage/database.ts';
import { drain, type DrainEnd, type EngineRun } from './drain.ts';
import { dueTimes } from './due-times.ts';
import { silentLogger, type EngineLogger } from './engine-logger.ts';
import { startLoop, type Loop } from './engine-loop.ts';
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
  /**
   * Claim workers of the started loop (default 1), each claiming with `FOR UPDATE SKIP
   * LOCKED` in a transaction on a pool connection of its own, so no two take the same item.
   * More than the pool's connections only queue (PGlite has one: use 1 there).
   */
  readonly concurrency?: number;
}

export type { EngineRun } from './drain.ts';

export interface Engine {
  /**
   * Runs everything due at `clock.now()` until nothing due remains: unconsumed domain
   * events, then pending jobs, in turns. Each item in a transaction of its own, one after
   * the other (one worker, whatever `concurrency` says: that is for the started loop).
   * Failures are recorded on their rows, not thrown; throws only when the database cannot
   * be reached.
   */
  runDue(): Promise<EngineRun>;
  /** The earliest due time: a due job's `run_at`, now when an event is waiting, else the next `run_at` or event retry; null when nothing is pending. */
  nextDueAt(): Promise<Date | null>;
  /**
   * Starts the background loop (see `startLoop`); resolves once it listens for wake-ups
   * (or has logged that it cannot, and polls). Calling it again does nothing.
   */
  start(): Promise<void>;
  /** Makes every worker of the started loop run due work at once (in-process wake-up). */
  wake(): void;
  /** Stops the loop, waiting for work in flight. Safe to call twice, and without `start()`. */
  stop(): Promise<void>;
}

/** Time a loop waits before looking again at work that was due but held by another worker. */
const CONTENDED_RETRY_MS = 50;

/**
 * The job engine: durable jobs and exactly-once domain event consumption, claimed with
 * `FOR UPDATE SKIP LOCKED`, so any number of engines (in one process or many), each with
 * `concurrency` workers, share one database and never run an item twice.
 */
export function createEngine(options: EngineOptions): Engine {
  const { db, clock, handlers } = options;
  const logger = options.logger ?? silentLogger;
  const batchSize = options.batchSize ?? 100;
  const maxSleepMs = options.maxSleepMs ?? 5_000;
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`engine concurrency must be a whole number of 1 or more, got ${concurrency}`);
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

  const drainDeps = { db, clock, jobs: jobDeps, events: eventDeps, logger, batchSize };

  /** How long the loop sleeps after a drain: until the next due time, briefly when work is held elsewhere, at most `maxSleepMs`. */
  const sleepAfter = (end: DrainEnd): number => {
    let delay = end.contended ? CONTENDED_RETRY_MS : maxSleepMs;
    if (end.next) delay = Math.min(delay, end.next.getTime() - clock.now().getTime());
    return Math.max(0, Math.min(delay, maxSleepMs));
  };

  let loop: Loop | undefined;
  const subscribe = options.listen;
  return {
    async runDue() {
      const { jobs, events, failed } = await drain(drainDeps, () => false);
      return { jobs, events, failed };
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
        runDue: async (shouldStop) => sleepAfter(await drain(drainDeps, shouldStop)),
        ...(subscribe
          ? {
              subscribe: (onNotify: () => void) =>
                subscribe(ENGINE_CHANNEL, onNotify, (err) => logger.warn({ err }, 'engine: the connection listening for wake-ups failed; re-establishing it')),
            }
          : {}),
        logger,
        maxSleepMs,
        workers: concurrency,
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
