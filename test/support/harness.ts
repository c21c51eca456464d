import { createProject, type CreatedProject } from '../../src/access/projects.ts';
import { buildApp, type App } from '../../src/app/build-app.ts';
import { FakeClock } from '../../src/storage/clock.ts';
import type { Database } from '../../src/storage/database.ts';
import { openTestDatabase } from './database.ts';

export interface Harness {
  readonly database: Database;
  readonly app: App;
  readonly clock: FakeClock;
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

export async function startHarness(opts: { rateLimit?: { enabled: boolean; max: number; windowSeconds: number } } = {}): Promise<Harness> {
  const database = await openTestDatabase();
  const clock = new FakeClock();
  const app = await buildApp({ db: database.db, clock, rateLimit: opts.rateLimit ?? { enabled: false, max: 1, windowSeconds: 1 } });
  return {
    database,
    app,
    clock,
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
      await app.http.close();
      await database.close();
    },
  };
}
