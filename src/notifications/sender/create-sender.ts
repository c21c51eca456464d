import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { sql } from 'kysely';
import { startLoop, type Loop } from '../../engine/engine-loop.ts';
import type { EngineLogger } from '../../engine/engine-logger.ts';
import { silentLogger } from '../../engine/engine-logger.ts';
import type { Clock } from '../../storage/clock.ts';
import type { Db, Listen } from '../../storage/database.ts';
import { TemporaryFailure, type Channel, type ChannelContext, type OutgoingMessage, type SendOutcome } from '../channels/channel.ts';
import type { Method } from '../model.ts';
import type { ProviderSettings } from '../providers/settings.ts';
import type { SecretBox } from '../secrets.ts';
import { claimDue, type ClaimedSend } from './claim.ts';
import { createLimiter } from './limiter.ts';
import { failureText, recordOutcome } from './record-outcome.ts';
import { claimStranded, recordResolution, resolveStranded } from './recover.ts';
import type { ThrottleRule } from './throttle.ts';

/** The channel the outbox insert trigger notifies (migration 012). */
export const OUTBOX_CHANNEL = 'vigil_outbox';

/** Signed links and public URLs, as the HTTP layer makes them. */
export interface Links {
  /** A signed confirmation-page URL to act on a delivery's subject, or null when there is no public URL. */
  actionUrl(deliveryId: string, action: 'acknowledge' | 'resolve'): string | null;
  publicUrl(path: string): string;
}

export interface SenderOptions {
  readonly db: Db;
  readonly clock: Clock;
  readonly channels: readonly Channel[];
  readonly box: SecretBox;
  readonly links: Links;
  /** The provider settings of a project (its own, else the installation's). */
  readonly providers: (projectId: string) => Promise<ProviderSettings>;
  readonly logger?: EngineLogger;
  readonly listen?: Listen;
  /** Rows claimed per transaction (default 50). */
  readonly batchSize?: number;
  /** Provider calls in flight at once (default 64). */
  readonly parallel?: number;
  /** Outcomes recorded at once, each a transaction on a pooled connection (default 3). */
  readonly recorders?: number;
  /**
   * Claim transactions run side by side (default 1), each on a pooled connection; with
   * `FOR UPDATE SKIP LOCKED` no two take the same row. More than 1 helps only on PostgreSQL.
   */
  readonly claimers?: number;
  /** Longest a provider call may take (default 15 s). */
  readonly timeoutMs?: number;
  /** The fallback poll, should LISTEN fail (default 30 s). */
  readonly maxSleepMs?: number;
  readonly throttles?: Readonly<Partial<Record<Method, ThrottleRule>>>;
  readonly workerId?: string;
}

/** What one run of the sender did. */
export interface SenderRun {
  readonly sent: number;
  readonly retried: number;
  readonly failed: number;
  /** Expanded, ignored or failed without a provider call. */
  readonly settled: number;
  /** Stranded messages resolved after a restart. */
  readonly recovered: number;
}

export interface Sender {
  /** Sends everything due at `clock.now()` until nothing due remains; for tests on a fake clock and for the loop. */
  runDue(): Promise<SenderRun>;
  /** The earliest instant something is due: a pending row's `send_after`, or a `Sending` row's lease end. */
  nextDueAt(): Promise<Date | null>;
  /** Starts the background loop (LISTEN on `vigil_outbox`, sleeping until the next due time). */
  start(): Promise<void>;
  wake(): void;
  /** Stops, waiting for provider calls in flight to be recorded. */
  stop(): Promise<void>;
}

/**
 * The sender: claims due outbox rows with `FOR UPDATE SKIP LOCKED`, decides each (expand,
 * ignore, send) and marks those to send `Sending` under a lease in the claim transaction,
 * calls the providers after commit (`parallel` at once), and records each outcome in a
 * transaction of its own. Rows left `Sending` past their lease (a crash mid-call) are asked
 * about at the provider and never blindly resent. It knows no channel: they come in `channels`.
 */
export function createSender(o: SenderOptions): Sender {
  const { db, clock, box, links } = o;
  const logger = o.logger ?? silentLogger;
  const channels = new Map<Method, Channel>(o.channels.map((c) => [c.method, c]));
  const batchSize = o.batchSize ?? 50;
  const parallel = o.parallel ?? 64;
  const claimers = Math.max(1, o.claimers ?? 1);
  const recording = createLimiter(o.recorders ?? 3);
  const timeoutMs = o.timeoutMs ?? 15_000;
  // Past the call's timeout, a little slack for recording its outcome: a row still Sending after that was left by a crash.
  const leaseMs = timeoutMs + 5_000;
  const workerId = o.workerId ?? `${os.hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
  const claimDeps = { channels, box, workerId, leaseMs, ...(o.throttles ? { throttles: o.throttles } : {}) };

  const contextFor = async (m: OutgoingMessage, cache: Map<string, Promise<ProviderSettings>>): Promise<ChannelContext> => {
    let p = cache.get(m.projectId);
    if (!p) cache.set(m.projectId, (p = o.providers(m.projectId)));
    const providers = await p;
    return {
      providers,
      clock,
      db,
      timeoutMs,
      actionUrl: (action) => (m.subject ? links.actionUrl(m.deliveryId, action) : null),
      publicUrl: (path) => links.publicUrl(path),
    };
  };

  const callProvider = async (s: ClaimedSend, cache: Map<string, Promise<ProviderSettings>>): Promise<{ ok: SendOutcome } | { error: unknown }> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const ctx = await contextFor(s.message, cache);
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TemporaryFailure(`no answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      });
      return { ok: await Promise.race([s.channel.send(s.message, ctx), timeout]) };
    } catch (error) {
      return { error };
    } finally {
      clearTimeout(timer);
    }
  };

  /** Runs `work` over `items`, at most `parallel` at once. */
  const inParallel = async <T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> => {
    let next = 0;
    const lanes = Array.from({ length: Math.min(parallel, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    });
    await Promise.all(lanes);
  };

  /** Resolves the messages a stopped process left `Sending` (their lease ran out): asks their provider, records the answer. */
  const recoverStranded = async (cache: Map<string, Promise<ProviderSettings>>): Promise<number> => {
    let total = 0;
    for (;;) {
      const stranded = await db.transaction().execute((tx) => claimStranded(tx, claimDeps, clock.now(), batchSize));
      if (stranded.length === 0) return total;
      total += stranded.length;
      await inParallel(stranded, async (s) => {
        const resolution = await resolveStranded(s, await contextFor(s.message, cache));
        await recording(() => recordResolution(db, s, resolution, clock.now()));
        logger.warn({ deliveryId: s.message.deliveryId, method: s.message.method, resolution: resolution.kind }, 'notifications: resolved a message left sending by a stopped process');
      });
    }
  };

  /**
   * Sends everything due: claims batches while provider calls are in flight (at most
   * `parallel` calls at once, a claim never waiting for the batch before it to be answered),
   * until a claim finds nothing and every call is recorded.
   */
  const runDue = async (shouldStop: () => boolean = () => false): Promise<SenderRun> => {
    const total = { sent: 0, retried: 0, failed: 0, settled: 0, recovered: 0 };
    const cache = new Map<string, Promise<ProviderSettings>>();
    total.recovered = await recoverStranded(cache);
    const inFlight = new Set<Promise<void>>();
    const dispatch = (s: ClaimedSend) => {
      const p = (async () => {
        const result = await callProvider(s, cache);
        const outcome = await recording(() => recordOutcome(db, s, result, clock.now()));
        if (outcome === 'sent') total.sent += 1;
        else if (outcome === 'retry') total.retried += 1;
        else total.failed += 1;
        if ('error' in result) {
          logger.warn(
            { deliveryId: s.message.deliveryId, method: s.message.method, attempt: s.message.attempt, outcome, error: failureText(result.error) },
            outcome === 'retry' ? 'notifications: sending failed; retrying later' : 'notifications: sending failed',
          );
        }
      })().catch((err: unknown) => logger.error({ err, deliveryId: s.message.deliveryId }, 'notifications: recording an outcome failed; the lease will resolve it'))
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    };
    // Each lane claims and dispatches until a claim finds nothing due; the lanes share the calls in flight.
    const lane = async (): Promise<void> => {
      while (!shouldStop()) {
        const room = parallel - inFlight.size;
        if (room <= 0) {
          await Promise.race(inFlight);
          continue;
        }
        const claimed = await db.transaction().execute((tx) => claimDue(tx, claimDeps, clock.now(), Math.min(batchSize, room)));
        total.settled += claimed.settled;
        for (const s of claimed.sends) dispatch(s);
        if (claimed.sends.length + claimed.settled > 0) continue;
        if (inFlight.size === 0) return;
        await Promise.race(inFlight);
      }
    };
    try {
      await Promise.all(Array.from({ length: claimers }, lane));
    } finally {
      await Promise.all(inFlight);
    }
    return total;
  };

  const nextDueAt = async (): Promise<Date | null> => {
    const r = await sql<{ next: Date | null }>`select least(
        (select min(send_after) from notification_outbox where status = 'Pending'),
        (select min(locked_until) from notification_outbox where status = 'Sending')) as next`.execute(db);
    return r.rows[0]?.next ?? null;
  };

  const maxSleepMs = o.maxSleepMs ?? 30_000;
  let loop: Loop | undefined;
  return {
    runDue: () => runDue(),
    nextDueAt,
    start() {
      const listen = o.listen;
      loop ??= startLoop({
        runDue: async (shouldStop) => {
          await runDue(shouldStop);
          const next = await nextDueAt();
          return next ? Math.max(0, next.getTime() - clock.now().getTime()) : maxSleepMs;
        },
        ...(listen
          ? { subscribe: (onNotify: () => void) => listen(OUTBOX_CHANNEL, onNotify, (err) => logger.warn({ err }, 'notifications: the connection listening for new messages failed; re-establishing it')) }
          : {}),
        logger,
        maxSleepMs,
        workers: 1,
      });
      return loop.ready;
    },
    wake() {
      loop?.wake();
    },
    async stop() {
      await loop?.stop();
      await Promise.all(o.channels.map((c) => c.close?.()));
    },
  };
}
