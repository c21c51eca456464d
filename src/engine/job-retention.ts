import type { Clock } from '../storage/clock.ts';
import type { Db } from '../storage/database.ts';
import { startDeadlineLoop, type DeadlineLoop } from './deadline-loop.ts';
import { pruneFinishedJobs } from './prune-jobs.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface JobRetentionOptions {
  readonly retentionDays: number;
  /** Time between prunes, in ms (default one hour). */
  readonly intervalMs?: number;
}

/** Prunes finished jobs at start and then every interval, so the job table stays the size of its recent work. */
export function startJobRetention(db: Db, clock: Clock, logger: { error(obj: object, msg: string): void }, opts: JobRetentionOptions): DeadlineLoop {
  const intervalMs = opts.intervalMs ?? HOUR;
  return startDeadlineLoop({
    clock,
    maxSleepMs: intervalMs,
    run: () => pruneFinishedJobs(db, clock.now(), { retentionMs: opts.retentionDays * DAY }),
    // No deadline of its own: the loop sleeps its longest, one interval.
    nextDeadline: async () => undefined,
    onError: (err) => logger.error({ err }, 'pruning finished jobs failed; retrying'),
  });
}
