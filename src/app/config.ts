import path from 'node:path';
import { z } from 'zod';
import type { ProviderEnvironment } from '../notifications/providers/defaults.ts';

const boolish = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

const WHOLE_1_TO_64 = 'must be a whole number from 1 to 64';

const envSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  VIGIL_DATA_DIR: z.string().min(1).default('./vigil-data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  RATE_LIMIT_ENABLED: boolish.default(true),
  RATE_LIMIT_MAX: z.coerce.number().int().positive().default(1000),
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().positive().default(60),
  BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(1_048_576),
  SHUTDOWN_TIMEOUT_SECONDS: z.coerce.number().positive().default(10),
  ENGINE_CONCURRENCY: z.coerce
    .number({ error: WHOLE_1_TO_64 })
    .int({ error: WHOLE_1_TO_64 })
    .min(1, { error: WHOLE_1_TO_64 })
    .max(64, { error: WHOLE_1_TO_64 })
    .optional(),
  JOB_RETENTION_DAYS: z.coerce
    .number({ error: 'must be a whole number of days from 1 to 3650' })
    .int({ error: 'must be a whole number of days from 1 to 3650' })
    .min(1, { error: 'must be a whole number of days from 1 to 3650' })
    .max(3650, { error: 'must be a whole number of days from 1 to 3650' })
    .default(30),
  VIGIL_PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  VIGIL_SECRET_KEY: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
  VIGIL_SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  VIGIL_SMTP_FROM: z.email({ error: 'must be an email address' }).optional(),
  TWILIO_ACCOUNT_SID: z.string().min(1).optional(),
  TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  TWILIO_FROM_NUMBER: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +15551234567').optional(),
  VIGIL_TWILIO_API_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  SLACK_BOT_TOKEN: z.string().min(1).optional(),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  VIGIL_SLACK_API_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  VIGIL_WEBHOOK_ALLOW_PRIVATE: boolish.default(false),
  VIGIL_WEBHOOK_ALLOWED_HOSTS: z.string().optional(),
  NOTIFY_SEND_TIMEOUT_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds from 1 to 120' })
    .min(1, { error: 'must be a number of seconds from 1 to 120' })
    .max(120, { error: 'must be a number of seconds from 1 to 120' })
    .default(15),
});

/** Settings of the notification channels' providers and of the sender. */
export interface NotifyConfig extends ProviderEnvironment {
  /** The base URL people and providers reach Vigil at (links in emails, Twilio callbacks). */
  readonly publicUrl: string;
  readonly secretKey: string | undefined;
  readonly sendTimeoutSeconds: number;
}

/** Vigil's settings, read from the environment once at start-up. Nothing else reads `process.env`. */
export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly logLevel: string;
  readonly rateLimit: { readonly enabled: boolean; readonly max: number; readonly windowSeconds: number };
  readonly bodyLimitBytes: number;
  readonly shutdownTimeoutSeconds: number;
  /** Claim workers of the job engine; undefined: 4 on PostgreSQL, 1 on the embedded database (see `engineConcurrency`). */
  readonly engineConcurrency: number | undefined;
  /** Days finished engine jobs are kept before they are pruned. */
  readonly jobRetentionDays: number;
  readonly notify: NotifyConfig;
}

/** Thrown when the environment holds an invalid setting; the message names each variable. */
export class ConfigError extends Error {}

/** Parses the environment into a {@link Config}; throws {@link ConfigError} naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return {
    host: e.HOST,
    port: e.PORT,
    dataDir: path.resolve(e.VIGIL_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    logLevel: e.LOG_LEVEL,
    rateLimit: { enabled: e.RATE_LIMIT_ENABLED, max: e.RATE_LIMIT_MAX, windowSeconds: e.RATE_LIMIT_WINDOW_SECONDS },
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    shutdownTimeoutSeconds: e.SHUTDOWN_TIMEOUT_SECONDS,
    engineConcurrency: e.ENGINE_CONCURRENCY,
    jobRetentionDays: e.JOB_RETENTION_DAYS,
    notify: {
      publicUrl: (e.VIGIL_PUBLIC_URL ?? `http://${e.HOST === '0.0.0.0' ? '127.0.0.1' : e.HOST}:${e.PORT}`).replace(/\/+$/, ''),
      secretKey: e.VIGIL_SECRET_KEY,
      smtpUrl: e.VIGIL_SMTP_URL,
      smtpFrom: e.VIGIL_SMTP_FROM,
      twilio:
        e.TWILIO_ACCOUNT_SID && e.TWILIO_AUTH_TOKEN && e.TWILIO_FROM_NUMBER
          ? { accountSid: e.TWILIO_ACCOUNT_SID, authToken: e.TWILIO_AUTH_TOKEN, fromNumber: e.TWILIO_FROM_NUMBER }
          : undefined,
      twilioApiUrl: e.VIGIL_TWILIO_API_URL,
      slack: e.SLACK_BOT_TOKEN ? { botToken: e.SLACK_BOT_TOKEN, signingSecret: e.SLACK_SIGNING_SECRET } : undefined,
      slackApiUrl: e.VIGIL_SLACK_API_URL,
      webhookAllowPrivate: e.VIGIL_WEBHOOK_ALLOW_PRIVATE,
      webhookAllowedHosts: (e.VIGIL_WEBHOOK_ALLOWED_HOSTS ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean),
      sendTimeoutSeconds: e.NOTIFY_SEND_TIMEOUT_SECONDS,
    },
  };
}

/**
 * The engine's claim workers: ENGINE_CONCURRENCY when set, else 4 on PostgreSQL (a pool of
 * several connections) and 1 on the embedded database, whose one connection serialises
 * everything (more workers there would only queue).
 */
export function engineConcurrency(config: Config, engine: 'postgres' | 'pglite'): number {
  return config.engineConcurrency ?? (engine === 'postgres' ? 4 : 1);
}
