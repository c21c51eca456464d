/**
 * The one source of time. Domain code never calls `Date.now()` or `new Date()`;
 * it asks the injected clock, so tests can fast-forward instead of sleeping.
 */
export interface Clock {
  /** The current instant. */
  now(): Date;
}

/** Wall-clock time from the operating system. */
export const systemClock: Clock = {
  now: () => new Date(),
};

/** A clock that only moves when told to. Starts at a fixed instant unless given one. */
export class FakeClock implements Clock {
  #ms: number;

  constructor(start: Date | string = '2026-01-05T09:00:00.000Z') {
    this.#ms = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.#ms);
  }

  /** Moves time forward by `ms` milliseconds. */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError('a clock cannot go backwards');
    this.#ms += ms;
  }

  /** Jumps to an instant at or after the current one. */
  set(at: Date | string): void {
    const ms = new Date(at).getTime();
    if (ms < this.#ms) throw new RangeError('a clock cannot go backwards');
    this.#ms = ms;
  }
}
