/**
 * What an engine's run must undo (close the app and the database, drop the bench's
 * PostgreSQL schema), undone in reverse order when the run ends, fails or is stopped.
 */
import { log } from './log.ts';

export class Cleanups {
  readonly #steps: Array<() => Promise<unknown>> = [];
  #running: Promise<void> | undefined;

  /** Adds a step; the steps run last added first. */
  add(step: () => Promise<unknown>): void {
    this.#steps.push(step);
  }

  /** Runs every step once (a failing step is logged, the others still run); later calls wait for the same run. */
  run(): Promise<void> {
    return (this.#running ??= (async () => {
      for (const step of [...this.#steps].reverse()) {
        try {
          await step();
        } catch (err) {
          log(`cleanup: ${(err as Error).message}`);
        }
      }
    })());
  }
}

/**
 * Runs `fn` with a fresh `Cleanups`, and runs them when `fn` settles, or on SIGINT or
 * SIGTERM (then exits with 130).
 */
export async function withCleanups<T>(fn: (cleanups: Cleanups) => Promise<T>): Promise<T> {
  const cleanups = new Cleanups();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      log(`${sig}: cleaning up`);
      void cleanups.run().finally(() => process.exit(130));
    });
  }
  try {
    return await fn(cleanups);
  } finally {
    await cleanups.run();
  }
}
