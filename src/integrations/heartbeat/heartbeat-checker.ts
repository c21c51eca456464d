import type { Clock } from '../../storage/clock.ts';
import type { Db } from '../../storage/database.ts';
import { startDeadlineLoop, type DeadlineLoop } from '../../engine/deadline-loop.ts';
import { checkHeartbeats, nextHeartbeatDeadline, type HeartbeatCheckResult } from './check-heartbeats.ts';

/** The one logger method the checker calls (pino's `Logger` fits). */
export interface CheckerLogger {
  error(obj: object, msg: string): void;
}

export interface HeartbeatCheckerOptions {
  /** Longest sleep between checks, in ms (default 1000): the bound on how late a new deadline is noticed. */
  readonly maxSleepMs?: number;
  readonly batchSize?: number;
  /** Called after each check that completed (tests wait on it instead of sleeping). */
  readonly onCheck?: (result: HeartbeatCheckResult) => void;
}

export type HeartbeatChecker = DeadlineLoop;

/**
 * Runs `checkHeartbeats` at once and then whenever the earliest monitor deadline passes,
 * sleeping at most `maxSleepMs` between checks so deadlines set meanwhile (by pings, by
 * other processes) are noticed. The deadlines live in the monitor rows (a ping moves one
 * without writing a job), so a restart loses nothing. Errors are logged and retried after the
 * longest sleep; it never throws.
 */
export function startHeartbeatChecker(db: Db, clock: Clock, logger: CheckerLogger, opts: HeartbeatCheckerOptions = {}): HeartbeatChecker {
  return startDeadlineLoop({
    clock,
    maxSleepMs: opts.maxSleepMs ?? 1000,
    async run() {
      const result = await checkHeartbeats(db, clock, { batchSize: opts.batchSize });
      for (const f of result.failed) {
        logger.error({ err: f.error, monitorId: f.monitorId }, 'could not open the alert for a missed heartbeat; the monitor stays due');
      }
      opts.onCheck?.(result);
      return result;
    },
    nextDeadline: (result) => nextHeartbeatDeadline(db, result.checkedAt).then((d) => d ?? undefined),
    onError: (err) => logger.error({ err }, 'heartbeat check failed; retrying'),
  });
}
