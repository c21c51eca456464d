import path from 'node:path';
import { z } from 'zod';

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
});

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
