// The load generator of the benchmarks (bench/api.ts, bench/ingest.ts), started by
// bench/support/load.ts on a worker thread so that it does not share the server's event
// loop. Plain JavaScript: worker threads under `node --import tsx` on Node 20 cannot load
// .ts files.
//
// workerData: { port, path, headers, body, connections, maxRequests, maxSeconds,
// okStatus?, sequence? }.
// Keeps `connections` keep-alive connections to 127.0.0.1:port busy with POST requests
// until maxRequests have been sent or maxSeconds have passed, then posts back the count,
// the rate and latency percentiles (milliseconds, from sending to the last byte).
// Answers other than okStatus (default 200) count as errors. With sequence
// { placeholder, modulo?, offset? }, each request's body is `body` with every
// placeholder replaced by that request's number (offset + n, modulo `modulo` when given),
// so that requests can differ (e.g. one dedup key per event, or 100 repeating keys).
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

async function runLoad(job) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.connections });
  const okStatus = job.okStatus ?? 200;
  const seq = job.sequence;
  const bodyOf = (n) => {
    if (!seq) return job.body;
    const k = (seq.offset ?? 0) + n;
    return job.body.replaceAll(seq.placeholder, String(seq.modulo ? k % seq.modulo : k));
  };
  const latencies = [];
  const statuses = {};
  let errors = 0;
  let started = 0;
  const t0 = performance.now();
  const deadline = t0 + job.maxSeconds * 1000;

  const one = (body) =>
    new Promise((resolve, reject) => {
      const headers = { ...job.headers, 'content-length': String(Buffer.byteLength(body)) };
      const req = http.request({ agent, host: '127.0.0.1', port: job.port, path: job.path, method: 'POST', headers }, (res) => {
        res.on('data', () => {});
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });

  const loop = async () => {
    while (started < job.maxRequests && performance.now() < deadline) {
      const body = bodyOf(started);
      started += 1;
      const t = performance.now();
      try {
        const status = await one(body);
        latencies.push(performance.now() - t);
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status !== okStatus) errors += 1;
      } catch {
        errors += 1;
        statuses.error = (statuses.error ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: job.connections }, loop));
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();

  latencies.sort((a, b) => a - b);
  const pct = (p) => (latencies.length === 0 ? NaN : latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]);
  return {
    requests: latencies.length,
    errors,
    statuses,
    seconds,
    reqPerSec: latencies.length / seconds,
    p50: pct(50),
    p90: pct(90),
    p99: pct(99),
    max: latencies.length ? latencies[latencies.length - 1] : NaN,
  };
}

parentPort.postMessage(await runLoad(workerData));
