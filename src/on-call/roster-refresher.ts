import type { Clock } from '../storage/clock.ts';
import type { Db } from '../storage/database.ts';
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

export interface RosterRefresher {
  /** Stops the loop: resolves once a refresh in flight has committed or failed. Safe to call twice. */
  stop(): Promise<void>;
}

// The job engine (issue #5) will replace this loop, as it will the heartbeat checker's.
/**
 * Runs `refreshRosters` at once and then whenever the earliest cached hand-off passes,
 * sleeping at most `maxSleepMs` between runs. State lives in the schedule rows, the time log
 * and the notice table, so a restart loses nothing (missed hand-offs are logged on the next
 * run). Errors are logged and retried after the longest sleep; it never throws.
 */
export function startRosterRefresher(db: Db, clock: Clock, logger: RefresherLogger, opts: RosterRefresherOptions = {}): RosterRefresher {
  const maxSleepMs = opts.maxSleepMs ?? 30_000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;

  const loop = (async () => {
    while (!stopped) {
      let delay = maxSleepMs;
      try {
        const result = await refreshRosters(db, clock, opts);
        for (const f of result.failed) logger.error({ err: f.error, scheduleId: f.scheduleId }, 'could not refresh the roster of a schedule; retrying');
        opts.onRefresh?.(result);
        const next = stopped ? undefined : await nextRosterHandoff(db, result.refreshedAt);
        if (next) delay = Math.min(maxSleepMs, Math.max(0, next.getTime() - clock.now().getTime() + 1));
      } catch (err) {
        logger.error({ err }, 'roster refresh failed; retrying');
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, delay);
      });
    }
  })();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      wake?.();
      await loop;
    },
  };
}
