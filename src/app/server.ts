import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createEngine, type Engine } from '../engine/create-engine.ts';
import type { DeadlineLoop } from '../engine/deadline-loop.ts';
import { startJobRetention } from '../engine/job-retention.ts';
import { startHeartbeatChecker, type HeartbeatChecker } from '../integrations/heartbeat/heartbeat-checker.ts';
import { startRosterRefresher, type RosterRefresher } from '../on-call/roster-refresher.ts';
import { systemClock } from '../storage/clock.ts';
import { migrate } from '../storage/migrate.ts';
import { adminOps } from './admin-ops.ts';
import { providerDefaults } from '../notifications/providers/defaults.ts';
import type { ProviderSettings } from '../notifications/providers/settings.ts';
import { loadSecretKey } from '../notifications/secret-key.ts';
import { createNotifications, type Notifications } from '../notifications/services.ts';
import { startAdminServer } from './admin-server.ts';
import { buildApp } from './build-app.ts';
import { engineConcurrency, type Config } from './config.ts';
import { engineHandlers } from './engine-handlers.ts';
import { openConfiguredStorage } from './storage-setup.ts';

export interface RunningServer {
  /** Base URL the API answers on. */
  readonly url: string;
  /** Stops taking requests, finishes those in flight, closes the database. */
  stop(): Promise<void>;
}

/** Longest Unix socket path most systems accept. */
const MAX_SOCKET_PATH = 100;

/**
 * Starts Vigil: opens storage, migrates, serves the API on HOST:PORT and, on the
 * embedded database, the local admin socket.
 */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const storage = await openConfiguredStorage(config);
  let admin: FastifyInstance | undefined;
  let http: FastifyInstance | undefined;
  let heartbeats: HeartbeatChecker | undefined;
  let rosters: RosterRefresher | undefined;
  let engine: Engine | undefined;
  let notifications: Notifications | undefined;
  let retention: DeadlineLoop | undefined;
  try {
    const applied = await migrate(storage.database.db);
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    heartbeats = startHeartbeatChecker(storage.database.db, systemClock, logger);
    rosters = startRosterRefresher(storage.database.db, systemClock, logger);
    retention = startJobRetention(storage.database.db, systemClock, logger, { retentionDays: config.jobRetentionDays });
    engine = createEngine({
      db: storage.database.db,
      clock: systemClock,
      handlers: engineHandlers(),
      logger,
      concurrency: engineConcurrency(config, storage.database.engine),
      ...(storage.database.listen ? { listen: storage.database.listen } : {}),
    });
    await engine.start();
    const secret = await loadSecretKey({ configured: config.notify.secretKey, dataDir: storage.lock ? config.dataDir : null, db: storage.database.db });
    if (secret.source === 'database') logger.warn('VIGIL_SECRET_KEY is not set: stored secrets are encrypted under a key kept in the database; set it in production');
    notifications = createNotifications({
      db: storage.database.db,
      clock: systemClock,
      secretKey: secret.key,
      publicUrl: config.notify.publicUrl,
      defaults: providerDefaults(config.notify),
      logger,
      timeoutMs: config.notify.sendTimeoutSeconds * 1000,
      // The embedded database has one connection: a second claimer would only queue.
      claimers: storage.database.engine === 'postgres' ? 2 : 1,
      ...(storage.database.listen ? { listen: storage.database.listen } : {}),
    });
    logNotificationSetup(logger, notifications.defaults);
    await notifications.sender.start();
    const app = await buildApp({
      db: storage.database.db,
      clock: systemClock,
      logger,
      rateLimit: config.rateLimit,
      bodyLimitBytes: config.bodyLimitBytes,
      notifications,
      ...(storage.database.listen ? { listen: storage.database.listen } : {}),
    });
    http = app.http;
    if (storage.lock) {
      const socket = path.join(config.dataDir, 'admin.sock');
      if (socket.length <= MAX_SOCKET_PATH) {
        admin = await startAdminServer(socket, adminOps(storage.database.db, systemClock));
        storage.lock.update({ adminSocket: socket });
      } else {
        logger.warn({ socket }, 'data directory path too long for the admin socket; the CLI cannot reach this server');
      }
    }
    const address = await http.listen({ host: config.host, port: config.port });
    logger.info({ address, storage: storage.description }, `Vigil listening on ${address}`);
    let stopping: Promise<void> | undefined;
    return {
      url: address,
      stop: () =>
        (stopping ??= (async () => {
          app.beginShutdown();
          await admin?.close();
          await http!.close();
          await heartbeats!.stop();
          await rosters!.stop();
          await retention!.stop();
          await engine!.stop();
          await notifications!.sender.stop();
          await storage.close();
        })()),
    };
  } catch (err) {
    await admin?.close().catch(() => {});
    await http?.close().catch(() => {});
    await heartbeats?.stop();
    await rosters?.stop();
    await retention?.stop();
    await engine?.stop();
    await notifications?.sender.stop();
    await storage.close().catch(() => {});
    throw err;
  }
}

/** Says at start-up which providers can be used, so a missing one is seen before a page is lost. */
function logNotificationSetup(logger: Logger, p: ProviderSettings): void {
  const missing: string[] = [];
  if (!p.smtp) missing.push('email (set VIGIL_SMTP_URL, or a project smtp-config): emails are recorded as failed');
  if (!p.twilio) missing.push('SMS and voice (set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER, or a project call-sms-config)');
  if (!p.slack) missing.push('Slack (set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET, or a project slack-config)');
  logger.info(
    { smtp: Boolean(p.smtp), twilio: Boolean(p.twilio), slack: Boolean(p.slack) },
    missing.length ? `notifications: in-app, webhook and Teams need no provider; not configured: ${missing.join('; ')}` : 'notifications: every provider configured',
  );
}
