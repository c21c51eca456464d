// The open-loop load of bench/escalation.ts, on a worker thread so that it does not share the
// server's event loop: POST requests sent at a fixed rate whatever the answers (request n is
// due at start + n / rate; a late one goes at once, none is skipped), over keep-alive HTTP to
// 127.0.0.1:port. Plain JavaScript: worker threads under `node --import tsx` on Node 20
// cannot load .ts files.
//
// workerData: { port, path, headers, body, placeholder, rate, seconds }. Each request's body
// is `body` with every `placeholder` replaced by its number n. Posts back, per request, its
// number, when it was sent and when its answer ended (epoch milliseconds with fractions:
// performance.timeOrigin + performance.now(), comparable across threads) and its status
// (0 when the request failed).
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';

const job = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const clock = () => performance.timeOrigin + performance.now();

function send(n) {
  const body = job.body.replaceAll(job.placeholder, String(n));
  const headers = { ...job.headers, 'content-length': String(Buffer.byteLength(body)) };
  const sentAt = clock();
  return new Promise((resolve) => {
    const req = http.request({ agent, host: '127.0.0.1', port: job.port, path: job.path, method: 'POST', headers }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve({ n, sentAt, doneAt: clock(), status: res.statusCode ?? 0 }));
      res.on('error', () => resolve({ n, sentAt, doneAt: clock(), status: 0 }));
    });
    req.on('error', () => resolve({ n, sentAt, doneAt: clock(), status: 0 }));
    req.end(body);
  });
}

const total = Math.round(job.rate * job.seconds);
const start = clock();
const pending = [];
for (let n = 0; n < total; n++) {
  const wait = start + (n * 1000) / job.rate - clock();
  if (wait > 1) await sleep(wait);
  pending.push(send(n));
}
const results = await Promise.all(pending);
agent.destroy();
parentPort.postMessage({ start, end: clock(), results });
