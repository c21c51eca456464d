/**
 * A fake Power Automate "When a Teams webhook request is received" trigger on 127.0.0.1:
 * POST /workflows/<id>/triggers/manual/paths/invoke?api-version=1&sig=<sig>. The sig query
 * parameter is the authorization (401 when wrong or missing); the body must carry an Adaptive
 * Card in `attachments` (400 otherwise); success is 202 with an empty body.
 * See /work/shared/PROVIDERS.md §3.
 */
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { arrivals } from './arrivals.ts';

export interface FakeTeamsOptions {
  /** Status of a successful post: 202 (default, like most flows) or 200. */
  successStatus?: 200 | 202;
}

export interface TeamsCardRecord {
  workflowId: string;
  /** The whole JSON body. */
  body: Record<string, unknown>;
  /** attachments[0].content — the Adaptive Card. */
  card: Record<string, unknown>;
  headers: http.IncomingHttpHeaders;
}

export interface TeamsRequestRecord {
  workflowId: string | null;
  status: number;
  rawBody: string;
}

export interface TeamsFailure {
  status: number;
  /** Response body (default: a Logic Apps style JSON error). */
  body?: string;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
}

export interface FakeTeams {
  /** http://127.0.0.1:port */
  baseUrl: string;
  port: number;
  /** A trigger URL for this workflow id (default 'vigil-test') with the correct sig. */
  url(id?: string): string;
  /** Accepted cards. */
  cards: TeamsCardRecord[];
  /** Every request with the status answered. */
  requests: TeamsRequestRecord[];
  /** Resolves once `cards` holds at least n records; rejects after ms (default 2000). */
  waitFor(n: number, ms?: number): Promise<TeamsCardRecord[]>;
  /** While on, every request gets 503. */
  setOutage(on: boolean): void;
  /** The next n valid-signature requests fail with this status (e.g. 429 with retryAfter, 500). */
  failNext(n: number, failure: TeamsFailure): void;
  close(): Promise<void>;
}

const errorBody = (code: string, message: string): string => JSON.stringify({ error: { code, message } });

export async function startFakeTeams(options: FakeTeamsOptions = {}): Promise<FakeTeams> {
  const key = randomBytes(16);
  const sigFor = (id: string): string => createHmac('sha256', key).update(id).digest('base64url');
  const cards: TeamsCardRecord[] = [];
  const requests: TeamsRequestRecord[] = [];
  const failures: TeamsFailure[] = [];
  const arrived = arrivals('fake Teams');
  let outage = false;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const match = /^\/workflows\/([^/]+)\/triggers\/manual\/paths\/invoke$/.exec(url.pathname);
      const workflowId = match?.[1] === undefined ? null : decodeURIComponent(match[1]);
      const record: TeamsRequestRecord = { workflowId, status: 0, rawBody };
      requests.push(record);
      const reply = (status: number, body = '', headers: Record<string, string> = {}): void => {
        record.status = status;
        res.writeHead(status, body ? { 'Content-Type': 'application/json; charset=utf-8', ...headers } : headers);
        res.end(body);
      };

      if (outage) return reply(503, errorBody('ServiceUnavailable', 'The service is unavailable (fake outage).'));
      if (!workflowId) return reply(404, errorBody('WorkflowNotFound', `No workflow at ${url.pathname}.`));
      if (req.method !== 'POST') return reply(405, errorBody('MethodNotAllowed', 'The trigger accepts POST only.'));
      if (url.searchParams.get('sig') !== sigFor(workflowId)) {
        return reply(
          401,
          errorBody('DirectApiInvalidAuthorizationSignature', "The provided callback URL signature 'sig' is not valid for this workflow trigger."),
        );
      }
      const failure = failures.shift();
      if (failure) {
        return reply(
          failure.status,
          failure.body ?? errorBody('FakeFailure', `Injected failure ${failure.status}.`),
          failure.retryAfter === undefined ? {} : { 'Retry-After': String(failure.retryAfter) },
        );
      }

      let body: unknown;
      try {
        body = JSON.parse(rawBody);
      } catch {
        return reply(400, errorBody('InvalidRequestContent', 'The request content is not valid JSON.'));
      }
      const attachments = body && typeof body === 'object' ? (body as { attachments?: unknown }).attachments : undefined;
      const first: unknown = Array.isArray(attachments) ? attachments[0] : undefined;
      const item = first && typeof first === 'object' ? (first as { contentType?: unknown; content?: unknown }) : undefined;
      const content = item?.content && typeof item.content === 'object' ? (item.content as Record<string, unknown>) : undefined;
      if (!item || item.contentType !== 'application/vnd.microsoft.card.adaptive' || content?.type !== 'AdaptiveCard') {
        return reply(
          400,
          errorBody('InvalidTemplate', "Expected 'attachments' with an item of contentType 'application/vnd.microsoft.card.adaptive' whose content.type is 'AdaptiveCard'."),
        );
      }
      cards.push({ workflowId, body: body as Record<string, unknown>, card: content, headers: req.headers });
      arrived.notify();
      reply(options.successStatus ?? 202);
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
    url: (id = 'vigil-test') => `${baseUrl}/workflows/${encodeURIComponent(id)}/triggers/manual/paths/invoke?api-version=1&sig=${sigFor(id)}`,
    cards,
    requests,
    waitFor(n, ms = 2000) {
      return arrived.waitFor(cards, n, ms, 'card(s)');
    },
    setOutage(on) {
      outage = on;
    },
    failNext(n, failure) {
      for (let i = 0; i < n; i++) failures.push(failure);
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      });
    },
  };
}
