/**
 * A fake customer endpoint for our outgoing webhooks on 127.0.0.1: records every POST with its
 * headers and exact body, and checks the Standard Webhooks signature with the official
 * `standardwebhooks` package (webhook-id / webhook-timestamp / webhook-signature).
 * See /work/shared/PROVIDERS.md §5.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { arrivals } from './arrivals.ts';

export interface WebhookReceiverOptions {
  /** whsec_<base64> — the endpoint's signing secret. */
  secret: string;
  /** Answer 401 to requests whose signature does not verify (default false: record and answer normally). */
  rejectInvalid?: boolean;
}

export interface WebhookDelivery {
  method: string;
  /** Path plus query string. */
  path: string;
  /** Lower-case header names, as Node parsed them. */
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  /** JSON.parse(rawBody), or undefined when it is not JSON. */
  body: unknown;
  /** Whether Webhook(secret).verify(rawBody, headers) accepted it (signature and ±5 min timestamp). */
  valid: boolean;
  /** The verification error message when not valid. */
  error: string | null;
  webhookId: string | null;
  /** True when an earlier request carried the same webhook-id (a retry). */
  duplicate: boolean;
  /** The status the receiver answered (0 if the connection was closed first). */
  status: number;
  receivedAt: Date;
}

export interface RespondOptions {
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  /** Response body (default empty). */
  body?: string;
}

export interface WebhookReceiver {
  /** http://127.0.0.1:port */
  baseUrl: string;
  port: number;
  /** Full URL of a path on the receiver (default '/hook'). */
  url(path?: string): string;
  deliveries: WebhookDelivery[];
  /** Resolves once `deliveries` holds at least n records; rejects after ms (default 2000). */
  waitFor(n: number, ms?: number): Promise<WebhookDelivery[]>;
  /**
   * Answer the next n requests with this status; without n, answer every request with it from now on
   * (the default is 200).
   */
  respondWith(status: number, n?: number, opts?: RespondOptions): void;
  /** Hold the next n (default 1) responses for ms milliseconds (for client-timeout tests). */
  delayNext(ms: number, n?: number): void;
  /** While on, every request gets 503. */
  setOutage(on: boolean): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const verifier = new Webhook(options.secret);
  const deliveries: WebhookDelivery[] = [];
  const seen = new Set<string>();
  const queued: Array<{ status: number } & RespondOptions> = [];
  const delays: number[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const arrived = arrivals('webhook receiver');
  let standing: { status: number } & RespondOptions = { status: 200 };
  let outage = false;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      let valid = false;
      let error: string | null = null;
      try {
        verifier.verify(rawBody, headers, { jsonParse: false });
        valid = true;
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      }
      let body: unknown;
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = undefined;
      }
      const webhookId = headers['webhook-id'] ?? null;
      const delivery: WebhookDelivery = {
        method: req.method ?? '',
        path: req.url ?? '/',
        headers: req.headers,
        rawBody,
        body,
        valid,
        error,
        webhookId,
        duplicate: webhookId !== null && seen.has(webhookId),
        status: 0,
        receivedAt: new Date(),
      };
      if (webhookId !== null) seen.add(webhookId);
      deliveries.push(delivery);
      arrived.notify();

      let answer: { status: number } & RespondOptions;
      if (outage) answer = { status: 503 };
      else if (options.rejectInvalid && !valid) answer = { status: 401, body: JSON.stringify({ error }) };
      else answer = queued.shift() ?? standing;
      const respond = (): void => {
        if (res.destroyed) return;
        delivery.status = answer.status;
        res.writeHead(answer.status, answer.retryAfter === undefined ? {} : { 'Retry-After': String(answer.retryAfter) });
        res.end(answer.body ?? '');
      };
      const delay = delays.shift();
      if (delay === undefined) return respond();
      const timer = setTimeout(() => {
        timers.delete(timer);
        respond();
      }, delay);
      timers.add(timer);
    });
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
  const baseUrl = `http://127.0.0.1:${port}`;

  return {
    baseUrl,
    port,
    url: (path = '/hook') => `${baseUrl}${path.startsWith('/') ? path : `/${path}`}`,
    deliveries,
    waitFor(n, ms = 2000) {
      return arrived.waitFor(deliveries, n, ms, 'delivery(ies)');
    },
    respondWith(status, n, opts = {}) {
      if (n === undefined) standing = { status, ...opts };
      else for (let i = 0; i < n; i++) queued.push({ status, ...opts });
    },
    delayNext(ms, n = 1) {
      for (let i = 0; i < n; i++) delays.push(ms);
    },
    setOutage(on) {
      outage = on;
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      });
    },
  };
}
