import { createProject, type CreatedProject } from '../../src/access/projects.ts';
import { buildApp, type App } from '../../src/app/build-app.ts';
import { engineHandlers } from '../../src/app/engine-handlers.ts';
import { createEngine, type Engine, type EngineRun } from '../../src/engine/create-engine.ts';
import type { EngineHandlers } from '../../src/engine/types.ts';
import { FakeClock } from '../../src/storage/clock.ts';
import type { Database } from '../../src/storage/database.ts';
import { openTestDatabase } from './database.ts';

export interface Harness {
  readonly database: Database;
  readonly app: App;
  readonly clock: FakeClock;
  /** The job engine over this database and the fake clock, with `engineHandlers()` (or the handlers given); never started. */
  readonly engine: Engine;
  /** Runs the engine's work due at the clock's current instant (until none is left). */
  runEngine(): Promise<EngineRun>;
  /**
   * Moves the clock forward by `ms`, running due work at every due time on the way, in
   * order: run what is due; jump to the next due time if it is within the target (never
   * backwards) and run again; finally set the clock to the target and run once more.
   * Answers the totals.
   */
  advance(ms: number): Promise<EngineRun>;
  /** A new project with its owner and owner key; every test makes its own. */
  project(name?: string): Promise<CreatedProject>;
  /** Sends a request through the app (no socket) and returns status, headers and parsed JSON. */
  call(method: string, url: string, opts?: CallOptions): Promise<CallResult>;
  close(): Promise<void>;
}

export interface CallOptions {
  readonly key?: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Sent as is (for malformed bodies). */
  readonly rawBody?: string;
}

export interface CallResult {
  readonly status: number;
  readonly headers: Record<string, unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
}

let counter = 0;

export interface HarnessOptions {
  readonly rateLimit?: { enabled: boolean; max: number; windowSeconds: number };
  /** The engine's handlers instead of `engineHandlers()` (for tests of the engine itself). */
  readonly engineHandlers?: EngineHandlers;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const database = await openTestDatabase();
  const clock = new FakeClock();
  const app = await buildApp({ db: database.db, clock, rateLimit: opts.rateLimit ?? { enabled: false, max: 1, windowSeconds: 1 } });
  const engine = createEngine({ db: database.db, clock, handlers: opts.engineHandlers ?? engineHandlers() });
  const runEngine = () => engine.runDue();
  return {
    database,
    app,
    clock,
    engine,
    runEngine,
    async advance(ms) {
      if (!(ms >= 0)) throw new RangeError(`advance needs a duration of 0 ms or more, got ${ms}`);
      const target = clock.now().getTime() + ms;
      const total = { jobs: 0, events: 0, failed: 0 };
      const add = (r: EngineRun) => {
        total.jobs += r.jobs;
        total.events += r.events;
        total.failed += r.failed;
        return r.jobs + r.events + r.failed;
      };
      add(await runEngine());
      // A due time at which a run did nothing (its work held elsewhere) is not waited on again.
      let stalled: number | undefined;
      for (;;) {
        const next = await engine.nextDueAt();
        if (!next || next.getTime() > target || next.getTime() === stalled) break;
        if (next.getTime() > clock.now().getTime()) clock.set(next);
        stalled = add(await runEngine()) === 0 ? next.getTime() : undefined;
      }
      clock.set(new Date(Math.max(target, clock.now().getTime())));
      add(await runEngine());
      return total;
    },
    project: (name) => {
      counter += 1;
      return createProject(database.db, clock, {
        name: name ?? `Project ${counter}`,
        ownerEmail: `owner-${process.pid}-${counter}-${Math.random().toString(36).slice(2)}@example.com`,
      });
    },
    async call(method, url, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      if (o.key) headers.ApiKey = o.key;
      let payload: string | undefined;
      if (o.rawBody !== undefined) payload = o.rawBody;
      else if (o.body !== undefined) {
        payload = JSON.stringify(o.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await app.http.inject({ method: method as 'GET', url, headers, ...(payload !== undefined ? { payload } : {}) });
      let body: unknown = res.body;
      try {
        body = res.body ? JSON.parse(res.body) : undefined;
      } catch {
        /* not JSON: keep text */
      }
      return { status: res.statusCode, headers: res.headers, body };
    },
    async close() {
      await engine.stop();
      await app.http.close();
      await database.close();
    },
  };
}
