// The load generator of bench/api.ts, run on a worker thread so that it does not share
// the server's event loop. Plain JavaScript: worker threads under `node --import tsx`
// on Node 20 cannot load .ts files.
//
// workerData: { port, path, headers, body, connections, maxRequests, maxSeconds }.
// Keeps `connections` keep-alive connections to 127.0.0.1:port busy with POST requests
// until maxRequests have been sent or maxSeconds have passed, then posts back the count,
// the rate and latency percentiles (milliseconds, from sending to the last byte).
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

async function runLoad(job) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.connections });
  const headers = { ...job.headers, 'content-length': String(Buffer.byteLength(job.body)) };
  const latencies = [];
  const statuses = {};
  let errors = 0;
  let started = 0;
  const t0 = performance.now();
  const deadline = t0 + job.maxSeconds * 1000;

  const one = () =>
    new Promise((resolve, reject) => {
      const req = http.request({ agent, host: '127.0.0.1', port: job.port, path: job.path, method: 'POST', headers }, (res) => {
        res.on('data', () => {});
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(job.body);
    });

  const loop = async () => {
    while (started < job.maxRequests && performance.now() < deadline) {
      started += 1;
      const t = performance.now();
      try {
        const status = await one();
        latencies.push(performance.now() - t);
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status !== 200) errors += 1;
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
