import { createProject, type CreatedProject } from '../../src/access/projects.ts';
import { buildApp, type App } from '../../src/app/build-app.ts';
import { engineHandlers } from '../../src/app/engine-handlers.ts';
import { createEngine, type Engine, type EngineRun } from '../../src/engine/create-engine.ts';
import type { EngineHandlers } from '../../src/engine/types.ts';
import { FakeClock } from '../../src/storage/clock.ts';
import type { Database } from '../../src/storage/database.ts';
import { openTestDatabase } from './database.ts';
import { createNotifications, type Notifications } from '../../src/notifications/services.ts';
import type { ProviderSettings } from '../../src/notifications/providers/settings.ts';
import type { Sender, SenderRun } from '../../src/notifications/sender/create-sender.ts';

export interface Harness {
  readonly database: Database;
  readonly app: App;
  readonly clock: FakeClock;
  /** The job engine over this database and the fake clock, with `engineHandlers()` (or the handlers given); never started. */
  readonly engine: Engine;
  /** Runs the engine's work due at the clock's current instant (until none is left), then, with notifications on, the sender's. */
  runEngine(): Promise<EngineRun>;
  /** The notification layer the app was built with. */
  readonly notifications: Notifications;
  /** The sender, run by `runEngine` and `advance` when `notifications` was given (never started). */
  readonly sender: Sender;
  /** What the sender did across every `runEngine` / `advance` so far. */
  readonly sent: SenderRun;
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
  /**
   * Turns the sender on: `runEngine` and `advance` then send due messages through the channels
   * with these provider settings (loopback fakes), on the fake clock.
   */
  readonly notifications?: { readonly providers?: Partial<ProviderSettings>; readonly publicUrl?: string; readonly timeoutMs?: number };
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const database = await openTestDatabase();
  const clock = new FakeClock();
  const notifications = createNotifications({
    db: database.db,
    clock,
    secretKey: 'test-secret-key-0123456789abcdef',
    publicUrl: opts.notifications?.publicUrl ?? 'http://vigil.test',
    ...(opts.notifications?.timeoutMs ? { timeoutMs: opts.notifications.timeoutMs } : {}),
    defaults: {
      smtp: null,
      twilio: null,
      slack: null,
      webhook: { allowPrivateAddresses: true, allowedHosts: [] },
      ...opts.notifications?.providers,
    },
  });
  const app = await buildApp({ db: database.db, clock, rateLimit: opts.rateLimit ?? { enabled: false, max: 1, windowSeconds: 1 }, notifications });
  const engine = createEngine({ db: database.db, clock, handlers: opts.engineHandlers ?? engineHandlers() });
  const sender = notifications.sender;
  const sent = { sent: 0, retried: 0, failed: 0, settled: 0, recovered: 0 };
  const runEngine = async (): Promise<EngineRun> => {
    const first = await engine.runDue();
    if (!opts.notifications) return first;
    const s = await sender.runDue();
    sent.sent += s.sent;
    sent.retried += s.retried;
    sent.failed += s.failed;
    sent.settled += s.settled;
    sent.recovered += s.recovered;
    const after = await engine.runDue();
    const did = s.sent + s.retried + s.failed + s.settled + s.recovered;
    return { jobs: first.jobs + after.jobs + did, events: first.events + after.events, failed: first.failed + after.failed };
  };
  const nextDueAt = async (): Promise<Date | null> => {
    const e = await engine.nextDueAt();
    if (!opts.notifications) return e;
    const s = await sender.nextDueAt();
    if (!e) return s;
    if (!s) return e;
    return e.getTime() <= s.getTime() ? e : s;
  };
  return {
    database,
    app,
    clock,
    engine,
    runEngine,
    notifications,
    sender,
    sent,
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
        const next = await nextDueAt();
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
