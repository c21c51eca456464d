/**
 * Runs at most `max` tasks at once; the others wait their turn in order. The sender records
 * outcomes through one, so a burst of provider answers never holds every pooled database
 * connection (the API and the engine share the pool).
 */
export function createLimiter(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (task) => {
    if (running >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    running += 1;
    try {
      return await task();
    } finally {
      running -= 1;
      waiting.shift()?.();
    }
  };
}
