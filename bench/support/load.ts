/**
 * The load generator, bench/load-worker.mjs, run on a worker thread of the engine's
 * process so that it does not share the server's event loop: keep-alive HTTP POSTs over
 * loopback with a fixed number of connections, bounded in requests and in time.
 * (The worker stays plain JavaScript: worker threads under `node --import tsx` on
 * Node 20 cannot load .ts files.)
 */
import { Worker } from 'node:worker_threads';

export interface LoadJob {
  readonly port: number;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly connections: number;
  readonly maxRequests: number;
  readonly maxSeconds: number;
  /** The status that counts as success (200 when not given); any other is an error. */
  readonly okStatus?: number;
  /** Each request's body is `body` with every `placeholder` replaced by its number (offset + n, modulo `modulo`). */
  readonly sequence?: { readonly placeholder: string; readonly modulo?: number; readonly offset?: number };
}

/** Counts, the rate and latencies in milliseconds (from sending a request to the last byte of its answer). */
export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly statuses: Record<string, number>;
  readonly seconds: number;
  readonly reqPerSec: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** Runs one load job on a fresh worker thread. */
export function loadOnWorker(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('../load-worker.mjs', import.meta.url), { workerData: job });
    worker.once('message', (m: LoadResult) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0 && code !== 1) reject(new Error(`load worker exited with ${code}`));
    });
  });
}
