/**
 * What every fake shares: waiting until a list of recorded requests holds `n` entries.
 * A fake calls `notify()` whenever it records one.
 */
export interface Arrivals {
  /** Resolves with `list` once it holds at least n entries; rejects after ms with `what` in the message. */
  waitFor<T>(list: T[], n: number, ms: number, what: string): Promise<T[]>;
  /** Wakes every waiter to look again. */
  notify(): void;
}

export function arrivals(fake: string): Arrivals {
  const waiters = new Set<() => void>();
  return {
    waitFor(list, n, ms, what) {
      return new Promise((resolve, reject) => {
        if (list.length >= n) return resolve(list);
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${fake}: expected ${n} ${what} within ${ms} ms, got ${list.length}`));
        }, ms);
        const check = (): void => {
          if (list.length < n) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(list);
        };
        waiters.add(check);
      });
    },
    notify() {
      for (const wake of [...waiters]) wake();
    },
  };
}
