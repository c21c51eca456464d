/**
 * Settings from the environment that every benchmark reads. Each bench adds its own
 * (with `intSetting`) and gives its own defaults for the ones that differ.
 */
import type { EngineName } from './engines.ts';

const env = process.env;

/** A positive whole number from the environment variable `name`, or `fallback` when it is unset or empty. */
export function intSetting(name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${name} must be a positive whole number, got ${raw}`);
  return n;
}

/** The defaults that differ from one bench to the other. */
export interface CommonDefaults {
  readonly connections: number;
  readonly maxRequests: number;
  readonly engineTimeoutSeconds: number;
}

/**
 * BENCH_ENGINES (pglite,postgres), BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/test),
 * BENCH_CONNECTIONS, BENCH_SECONDS (10, per case), BENCH_MAX_REQUESTS (per case),
 * BENCH_WARMUP_SECONDS (2) and BENCH_ENGINE_TIMEOUT_SECONDS (a whole engine run is stopped
 * after this long).
 */
export function commonSettings(defaults: CommonDefaults) {
  return {
    engines: (env.BENCH_ENGINES ?? 'pglite,postgres').split(',').map((s) => s.trim()).filter(Boolean) as EngineName[],
    url: env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    connections: intSetting('BENCH_CONNECTIONS', defaults.connections),
    seconds: intSetting('BENCH_SECONDS', 10),
    maxRequests: intSetting('BENCH_MAX_REQUESTS', defaults.maxRequests),
    warmupSeconds: intSetting('BENCH_WARMUP_SECONDS', 2),
    engineTimeoutSeconds: intSetting('BENCH_ENGINE_TIMEOUT_SECONDS', defaults.engineTimeoutSeconds),
  };
}
