import type { Listen } from '../../storage/database.ts';

/** The channel the `in_app_notification` insert trigger notifies, with the user's id as payload. */
export const IN_APP_CHANNEL = 'vigil_in_app';

/**
 * Wake-ups for live in-app feeds, shared by every open stream of the process: one database
 * subscription (LISTEN `vigil_in_app`) fans out to the streams of the user named in each
 * notification. Without `listen`, or when subscribing fails, one timer wakes every stream
 * every `pollMs` instead. A wake-up only says "look again": streams read the table.
 */
export interface InAppWakeups {
  /** Calls `wake` whenever `userId` may have new notifications; resolves once subscribed. Answers the unsubscribe. */
  subscribe(userId: string, wake: () => void): Promise<() => void>;
  /** Stops the subscription and the timer (streams still open get no more wake-ups). */
  close(): Promise<void>;
}

export interface WakeupOptions {
  readonly listen?: Listen;
  /** Between polls when there is no `listen`; 2 s unless told. */
  readonly pollMs?: number;
  /** A listening failure (the subscription re-establishes itself); never thrown. */
  readonly onError?: (err: unknown) => void;
}

export function createInAppWakeups(o: WakeupOptions): InAppWakeups {
  const pollMs = o.pollMs ?? 2_000;
  const byUser = new Map<string, Set<() => void>>();
  let count = 0;
  let listening: Promise<(() => Promise<void>) | null> | null = null;
  let polling = false;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const wakeAll = () => {
    for (const set of byUser.values()) for (const wake of set) wake();
  };
  const wakeUser = (payload: string) => {
    if (payload === '') return wakeAll(); // the subscription was re-established: something may have been missed
    for (const wake of byUser.get(payload.toLowerCase()) ?? []) wake();
  };
  const syncTimer = () => {
    const want = polling && count > 0 && !closed;
    if (want && !timer) {
      timer = setInterval(wakeAll, pollMs);
      timer.unref();
    } else if (!want && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  const start = (): Promise<unknown> => {
    if (closed) return Promise.resolve();
    if (!o.listen) {
      polling = true;
      return Promise.resolve();
    }
    listening ??= o.listen(IN_APP_CHANNEL, wakeUser, o.onError).catch((err: unknown) => {
      o.onError?.(err);
      polling = true;
      syncTimer();
      return null;
    });
    return listening;
  };

  return {
    async subscribe(userId, wake) {
      const key = userId.toLowerCase();
      let set = byUser.get(key);
      if (!set) byUser.set(key, (set = new Set()));
      const entry = () => wake();
      set.add(entry);
      count += 1;
      await start();
      syncTimer();
      let done = false;
      return () => {
        if (done) return;
        done = true;
        set.delete(entry);
        if (set.size === 0 && byUser.get(key) === set) byUser.delete(key);
        count -= 1;
        syncTimer();
      };
    },
    async close() {
      closed = true;
      syncTimer();
      const off = await listening;
      listening = null;
      await off?.();
    },
  };
}
