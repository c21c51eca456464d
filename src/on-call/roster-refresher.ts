import type { Clock } from '../storage/clock.ts';
import type { Db } from '../storage/database.ts';
import { startDeadlineLoop, type DeadlineLoop } from '../engine/deadline-loop.ts';
import { nextRosterHandoff, refreshRosters, type RefreshOptions, type RefreshResult } from './refresh-rosters.ts';

/** The one logger method the refresher calls (pino's `Logger` fits). */
export interface RefresherLogger {
  error(obj: object, msg: string): void;
}

export interface RosterRefresherOptions extends RefreshOptions {
  /** Longest sleep between refreshes, in ms (default 30 s): the bound on how late an edited schedule's roster, or a notice, is noticed. */
  readonly maxSleepMs?: number;
  /** Called after each refresh that completed (tests wait on it instead of sleeping). */
  readonly onRefresh?: (result: RefreshResult) => void;
}

export type RosterRefresher = DeadlineLoop;

/**
 * Runs `refreshRosters` at once and then whenever the earliest cached hand-off passes,
 * sleeping at most `maxSleepMs` between runs. State lives in the schedule rows, the time log
 * and the notice table, so a restart loses nothing (missed hand-offs are logged on the next
 * run). Errors are logged and retried after the longest sleep; it never throws.
 */
export function startRosterRefresher(db: Db, clock: Clock, logger: RefresherLogger, opts: RosterRefresherOptions = {}): RosterRefresher {
  return startDeadlineLoop({
    clock,
    maxSleepMs: opts.maxSleepMs ?? 30_000,
    async run() {
      const result = await refreshRosters(db, clock, opts);
      for (const f of result.failed) logger.error({ err: f.error, scheduleId: f.scheduleId }, 'could not refresh the roster of a schedule; retrying');
      opts.onRefresh?.(result);
      return result;
    },
    nextDeadline: (result) => nextRosterHandoff(db, result.refreshedAt).then((d) => d ?? undefined),
    onError: (err) => logger.error({ err }, 'roster refresh failed; retrying'),
  });
}
