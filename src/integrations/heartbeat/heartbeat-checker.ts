import type { Clock } from '../../storage/clock.ts';
import type { Db } from '../../storage/database.ts';
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

export interface HeartbeatChecker {
  /** Stops the loop: resolves once a check in flight has committed or failed. Safe to call twice. */
  stop(): Promise<void>;
}

// The job engine (issue #5) will replace this loop: heartbeat expiry becomes one of its job kinds.
/**
 * Runs `checkHeartbeats` at once and then whenever the earliest monitor deadline passes,
 * sleeping at most `maxSleepMs` between checks so deadlines set meanwhile (by pings, by
 * other processes) are noticed. The sleep is only a wake-up: the deadlines live in the
 * monitor rows, so a restart loses nothing. Errors are logged and retried after the
 * longest sleep; it never throws.
 */
export function startHeartbeatChecker(db: Db, clock: Clock, logger: CheckerLogger, opts: HeartbeatCheckerOptions = {}): HeartbeatChecker {
  const maxSleepMs = opts.maxSleepMs ?? 1000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;

  const delayAfter = async (result: HeartbeatCheckResult): Promise<number> => {
    const next = await nextHeartbeatDeadline(db, result.checkedAt);
    if (!next) return maxSleepMs;
    // Due means strictly past the deadline: wake one millisecond after it.
    return Math.min(maxSleepMs, Math.max(0, next.getTime() - clock.now().getTime() + 1));
  };

  const loop = (async () => {
    while (!stopped) {
      let delay = maxSleepMs;
      try {
        const result = await checkHeartbeats(db, clock, { batchSize: opts.batchSize });
        for (const f of result.failed) {
          logger.error({ err: f.error, monitorId: f.monitorId }, 'could not open the alert for a missed heartbeat; the monitor stays due');
        }
        opts.onCheck?.(result);
        if (!stopped) delay = await delayAfter(result);
      } catch (err) {
        logger.error({ err }, 'heartbeat check failed; retrying');
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
