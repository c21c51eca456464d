import type { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import pg from 'pg';
import type { Db } from './database.ts';

/**
 * Subscribes to `NOTIFY` on a channel: `onNotify` is called with each notification's
 * payload. Resolves once listening; the returned function stops (safe to call twice).
 * Notifications are wake-ups, not messages: one may be missed while a connection is
 * re-established (`onNotify('')` is then called once), and one may arrive for work
 * another process already took; callers look at the tables, not the payload.
 */
export type Listen = (channel: string, onNotify: (payload: string) => void, onError?: (err: unknown) => void) => Promise<() => Promise<void>>;

/** Longest wait between attempts to re-establish a dropped listening connection. */
const MAX_RECONNECT_MS = 30_000;

/**
 * LISTEN on PostgreSQL over a dedicated connection (channels are database-wide, so no
 * `search_path` is needed). When the connection drops, it is re-established with
 * backoff (0.5 s doubling up to 30 s), reporting each failure to `onError`.
 */
export function listenPostgres(url: string): Listen {
  return async (channel, onNotify, onError) => {
    assertChannel(channel);
    let closed = false;
    let client: pg.Client | undefined;
    let retry: NodeJS.Timeout | undefined;
    let failures = 0;

    const connect = async (): Promise<pg.Client> => {
      const c = new pg.Client({ connectionString: url, application_name: `vigil-listen-${process.pid}` });
      client = c;
      c.on('notification', (m) => {
        if (m.channel === channel) onNotify(m.payload ?? '');
      });
      c.on('error', (err) => dropped(c, err));
      c.on('end', () => dropped(c, new Error('the listening connection ended')));
      try {
        await c.connect();
        await c.query(`listen ${channel}`);
        return c;
      } catch (err) {
        if (client === c) client = undefined;
        await c.end().catch(() => {});
        throw err;
      }
    };

    const dropped = (c: pg.Client, err: unknown) => {
      if (closed || client !== c) return;
      client = undefined;
      onError?.(err);
      void c.end().catch(() => {});
      reconnectLater();
    };

    const reconnectLater = () => {
      if (closed || retry) return;
      const delay = Math.min(MAX_RECONNECT_MS, 500 * 2 ** Math.min(failures, 6));
      retry = setTimeout(() => {
        void (async () => {
          try {
            const c = await connect();
            retry = undefined;
            if (closed) {
              await c.end().catch(() => {});
              return;
            }
            failures = 0;
            onNotify('');
          } catch (err) {
            retry = undefined;
            failures += 1;
            onError?.(err);
            reconnectLater();
          }
        })();
      }, delay);
    };

    await connect();
    return once(async () => {
      closed = true;
      clearTimeout(retry);
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    });
  };
}

/**
 * LISTEN on embedded PGlite: notifications arrive through the PGlite instance
 * (`onNotification`); the `LISTEN` itself goes through the pool, so it runs on the one
 * connection between transactions and can never land inside (and be rolled back with)
 * a transaction that is open on it.
 */
export function listenPglite(lite: PGlite, db: Db): Listen {
  const listeners = new Map<string, number>();
  return async (channel, onNotify) => {
    assertChannel(channel);
    const off = lite.onNotification((ch, payload) => {
      if (ch === channel) onNotify(payload);
    });
    try {
      if (!listeners.get(channel)) await sql.raw(`listen ${channel}`).execute(db);
    } catch (err) {
      off();
      throw err;
    }
    listeners.set(channel, (listeners.get(channel) ?? 0) + 1);
    return once(async () => {
      off();
      const left = (listeners.get(channel) ?? 1) - 1;
      listeners.set(channel, left);
      if (left === 0) await sql.raw(`unlisten ${channel}`).execute(db).catch(() => {});
    });
  };
}

function assertChannel(channel: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`invalid channel name: ${channel}`);
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}
