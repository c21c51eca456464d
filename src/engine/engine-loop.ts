import type { EngineLogger } from './engine-logger.ts';

/** Subscribes to wake-ups; answers the way to unsubscribe. */
export type Subscribe = (onNotify: () => void) => Promise<() => Promise<void>>;

export interface LoopDeps {
  /** Runs due work until none is left or `shouldStop()`; answers how long to sleep then, in ms. Called by each worker on its own. */
  readonly runDue: (shouldStop: () => boolean) => Promise<number>;
  /** Wake-ups from the database (LISTEN), when available. One subscription serves every worker. */
  readonly subscribe?: Subscribe;
  readonly logger: EngineLogger;
  /** Longest sleep: the fallback poll, and the retry interval after errors. */
  readonly maxSleepMs: number;
  /** How many workers run `runDue` side by side (default 1). */
  readonly workers?: number;
}

export interface Loop {
  /** Settles once the first subscription attempt has (successfully or not). */
  readonly ready: Promise<void>;
  /** Runs due work at once in every worker: cuts a sleep short, or runs again after a drain in flight. */
  wake(): void;
  /** Stops: resolves once every worker's work in flight has committed or failed and the subscription is closed. Safe to call twice. */
  stop(): Promise<void>;
}

/** Pause before retrying after a drain failed (the database was unreachable, say). */
const ERROR_PAUSE_MS = 1_000;

/** One worker's sleep: its timer and the way to cut it short. */
interface Worker {
  wakeRequested: boolean;
  timer: NodeJS.Timeout | undefined;
  endSleep: (() => void) | undefined;
}

/**
 * The background loop: `workers` workers (default 1), each draining, then sleeping until
 * the next due time it saw (a real timer), at most `maxSleepMs`. `wake()` and a
 * notification cut every worker's sleep short; a wake-up that arrives while a worker
 * drains makes it drain again instead of sleeping, so none is lost; a spurious one costs
 * one cheap query per worker. Never throws: errors are logged and retried. A failed
 * subscription is retried every `maxSleepMs` (the poll covers the gap).
 */
export function startLoop(deps: LoopDeps): Loop {
  const { logger, maxSleepMs } = deps;
  const count = Math.max(1, Math.floor(deps.workers ?? 1));
  let stopped = false;
  const workers: Worker[] = Array.from({ length: count }, () => ({ wakeRequested: false, timer: undefined, endSleep: undefined }));
  let unsubscribe: (() => Promise<void>) | undefined;
  let subscribeTimer: NodeJS.Timeout | undefined;
  let subscribing: Promise<void> = Promise.resolve();

  const wake = () => {
    for (const w of workers) {
      w.wakeRequested = true;
      w.endSleep?.();
    }
  };

  const subscribe = async (): Promise<void> => {
    if (!deps.subscribe || stopped) return;
    try {
      const off = await deps.subscribe(wake);
      if (stopped) await off().catch(() => {});
      else unsubscribe = off;
      // Work may have been added while not listening.
      wake();
    } catch (err) {
      logger.error({ err }, 'engine: could not listen for wake-ups; polling meanwhile, retrying');
      if (!stopped) {
        subscribeTimer = setTimeout(() => {
          subscribing = subscribe();
        }, maxSleepMs);
      }
    }
  };
  subscribing = subscribe();
  const ready = subscribing;

  const run = async (w: Worker): Promise<void> => {
    while (!stopped) {
      w.wakeRequested = false;
      let delay = maxSleepMs;
      try {
        delay = Math.min(maxSleepMs, await deps.runDue(() => stopped));
      } catch (err) {
        logger.error({ err }, 'engine: running due work failed; retrying');
        delay = Math.min(ERROR_PAUSE_MS, maxSleepMs);
      }
      if (stopped) break;
      if (w.wakeRequested || delay <= 0) continue;
      await new Promise<void>((resolve) => {
        w.endSleep = resolve;
        w.timer = setTimeout(resolve, Math.ceil(delay));
      });
      clearTimeout(w.timer);
      w.endSleep = undefined;
    }
  };
  const loops = Promise.all(workers.map(run));

  let stopping: Promise<void> | undefined;
  return {
    ready,
    wake,
    stop: () =>
      (stopping ??= (async () => {
        stopped = true;
        clearTimeout(subscribeTimer);
        for (const w of workers) {
          clearTimeout(w.timer);
          w.endSleep?.();
        }
        await loops;
        await subscribing;
        await unsubscribe?.().catch((err: unknown) => logger.error({ err }, 'engine: could not stop listening'));
      })()),
  };
}
