import type { EngineLogger } from './engine-logger.ts';

/** Subscribes to wake-ups; answers the way to unsubscribe. */
export type Subscribe = (onNotify: () => void) => Promise<() => Promise<void>>;

export interface LoopDeps {
  /** Runs due work until none is left or `shouldStop()`; answers how long to sleep then, in ms. */
  readonly runDue: (shouldStop: () => boolean) => Promise<number>;
  /** Wake-ups from the database (LISTEN), when available. */
  readonly subscribe?: Subscribe;
  readonly logger: EngineLogger;
  /** Longest sleep: the fallback poll, and the retry interval after errors. */
  readonly maxSleepMs: number;
}

export interface Loop {
  /** Settles once the first subscription attempt has (successfully or not). */
  readonly ready: Promise<void>;
  /** Runs due work at once: cuts a sleep short, or runs again after a drain in flight. */
  wake(): void;
  /** Stops: resolves once the work in flight has committed or failed and the subscription is closed. Safe to call twice. */
  stop(): Promise<void>;
}

/** Pause before retrying after a drain failed (the database was unreachable, say). */
const ERROR_PAUSE_MS = 1_000;

/**
 * The background loop: drain, then sleep until the next due time (a real timer), at
 * most `maxSleepMs`, cut short by `wake()` or a notification. A wake-up that arrives
 * while draining makes the loop drain again instead of sleeping, so none is lost; a
 * spurious one costs one cheap query. Never throws: errors are logged and retried.
 * A failed subscription is retried every `maxSleepMs` (the poll covers the gap).
 */
export function startLoop(deps: LoopDeps): Loop {
  const { logger, maxSleepMs } = deps;
  let stopped = false;
  let wakeRequested = false;
  let timer: NodeJS.Timeout | undefined;
  let endSleep: (() => void) | undefined;
  let unsubscribe: (() => Promise<void>) | undefined;
  let subscribeTimer: NodeJS.Timeout | undefined;
  let subscribing: Promise<void> = Promise.resolve();

  const wake = () => {
    wakeRequested = true;
    endSleep?.();
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

  const loop = (async () => {
    while (!stopped) {
      wakeRequested = false;
      let delay = maxSleepMs;
      try {
        delay = Math.min(maxSleepMs, await deps.runDue(() => stopped));
      } catch (err) {
        logger.error({ err }, 'engine: running due work failed; retrying');
        delay = Math.min(ERROR_PAUSE_MS, maxSleepMs);
      }
      if (stopped) break;
      if (wakeRequested || delay <= 0) continue;
      await new Promise<void>((resolve) => {
        endSleep = resolve;
        timer = setTimeout(resolve, Math.ceil(delay));
      });
      clearTimeout(timer);
      endSleep = undefined;
    }
  })();

  let stopping: Promise<void> | undefined;
  return {
    ready,
    wake,
    stop: () =>
      (stopping ??= (async () => {
        stopped = true;
        clearTimeout(timer);
        clearTimeout(subscribeTimer);
        endSleep?.();
        await loop;
        await subscribing;
        await unsubscribe?.().catch((err: unknown) => logger.error({ err }, 'engine: could not stop listening'));
      })()),
  };
}
