import type { Clock } from '../storage/clock.ts';

export interface DeadlineLoopOptions<R> {
  readonly clock: Clock;
  /** One pass of the work; what it returns is handed to `nextDeadline`. */
  run(): Promise<R>;
  /** The earliest instant the next pass is needed at, if known. */
  nextDeadline(result: R): Promise<Date | undefined>;
  /** Longest sleep between passes, in ms: the bound on how late a deadline set meanwhile (by another process) is noticed. */
  readonly maxSleepMs: number;
  /** Called when a pass throws; the pass is retried after the longest sleep. */
  onError(err: unknown): void;
}

export interface DeadlineLoop {
  /** Stops the loop: resolves once a pass in flight has committed or failed. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Runs a sweep at once and then whenever its earliest deadline passes, sleeping at most
 * `maxSleepMs` between passes. For work whose deadlines live in its own rows (heartbeat
 * monitors, schedule rosters), so a restart loses nothing; the sleep is only a wake-up.
 * It never throws.
 */
export function startDeadlineLoop<R>(opts: DeadlineLoopOptions<R>): DeadlineLoop {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;

  const loop = (async () => {
    while (!stopped) {
      let delay = opts.maxSleepMs;
      try {
        const result = await opts.run();
        const next = stopped ? undefined : await opts.nextDeadline(result);
        // Due means strictly past the deadline: wake one millisecond after it.
        if (next) delay = Math.min(opts.maxSleepMs, Math.max(0, next.getTime() - opts.clock.now().getTime() + 1));
      } catch (err) {
        opts.onError(err);
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
