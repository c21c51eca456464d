import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Db } from '../../storage/database.ts';
import { latestSeq, notificationsAfter, type InAppNotification } from './queries.ts';
import type { InAppWakeups } from './wakeups.ts';

/** Rows read per query while catching up. */
const BATCH = 100;

export interface LiveFeedOptions {
  readonly db: Db;
  readonly projectId: string;
  readonly userId: string;
  /** Replay the notifications after this `seq` first; null: only those written from now on. */
  readonly after: number | null;
  readonly wakeups: InAppWakeups;
  /** Between `: ping` comments (they keep proxies from closing an idle stream; each also looks for missed rows). */
  readonly heartbeatMs: number;
  /** Headers to send besides the event-stream ones (the request id). */
  readonly headers?: OutgoingHttpHeaders;
  /** A failure reading the table: the stream then ends (the client reconnects with `Last-Event-ID`). Never thrown. */
  readonly onError?: (err: unknown) => void;
}

/** An open live feed. */
export interface LiveFeed {
  /** Ends the stream (server shutdown); safe to call twice. */
  end(): void;
  /** Settles when the stream has ended, by either side. */
  readonly ended: Promise<void>;
}

/**
 * Serves one user's in-app notifications of one project as Server-Sent Events on a raw
 * response the caller has taken over: first those after `after`, then each new one as it is
 * written, as `id: <seq>`, `event: notification`, `data: {id, title, body, data, createdAt}`.
 * Events go out in `seq` order, each once per stream. Cleans up (wake-ups, timer) when the
 * client goes away or `end` is called.
 *
 * Limit: the cursor is `seq`, taken when a row is inserted. Each row is written by its own
 * autocommit statement, so rows commit in `seq` order except when two senders insert for the
 * same user within the same instant; a row committed after a higher one already went out is
 * then left to the JSON list (and to a client that reconnects from an earlier id).
 */
export async function startLiveFeed(res: ServerResponse, o: LiveFeedOptions): Promise<LiveFeed> {
  let closed = false;
  let unsubscribe: (() => void) | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let settle!: () => void;
  const ended = new Promise<void>((resolve) => (settle = resolve));
  const cleanUp = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    unsubscribe?.();
    settle();
  };
  const end = () => {
    cleanUp();
    if (!res.writableEnded) res.end();
  };
  res.on('close', cleanUp);

  res.writeHead(200, {
    ...o.headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 2000\n\n');

  let cursor = 0;
  let running = false;
  let again = false;
  const send = async (n: InAppNotification): Promise<void> => {
    const data = JSON.stringify({ id: n.id, title: n.title, body: n.body, data: n.data, createdAt: n.createdAt });
    if (!res.write(`id: ${n.seq}\nevent: notification\ndata: ${data}\n\n`)) await drained(res);
    cursor = n.seq;
  };
  const catchUp = async (): Promise<void> => {
    do {
      again = false;
      for (;;) {
        const rows = await notificationsAfter(o.db, o.projectId, o.userId, cursor, BATCH);
        for (const n of rows) {
          if (closed) return;
          await send(n);
        }
        if (rows.length < BATCH || closed) break;
      }
    } while (again && !closed);
  };
  const wake = () => {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    catchUp()
      .catch((err: unknown) => {
        o.onError?.(err);
        end();
      })
      .finally(() => {
        running = false;
      });
  };

  try {
    // Subscribe before reading where "now" is, so nothing written in between is missed.
    const off = await o.wakeups.subscribe(o.userId, wake);
    if (closed) off();
    else unsubscribe = off;
    cursor = o.after ?? (await latestSeq(o.db, o.projectId, o.userId));
  } catch (err) {
    o.onError?.(err);
    end();
    return { end, ended };
  }
  if (!closed) {
    heartbeat = setInterval(() => {
      if (!closed) res.write(': ping\n\n');
      wake();
    }, o.heartbeatMs);
    heartbeat.unref();
    wake();
  }
  return { end, ended };
}

/** Resolves when the response can take more, or has closed. */
function drained(res: ServerResponse): Promise<void> {
  if (res.destroyed || res.writableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
