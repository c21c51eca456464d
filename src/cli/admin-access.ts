import http from 'node:http';
import { adminOps, type AdminOps, type CreatedApiKey } from '../app/admin-ops.ts';
import type { Config } from '../app/config.ts';
import { openConfiguredStorage } from '../app/storage-setup.ts';
import type { CreatedProject } from '../access/projects.ts';
import { systemClock } from '../storage/clock.ts';
import { DataDirLockedError, isAlive, readLock } from '../storage/data-dir-lock.ts';
import { migrate } from '../storage/migrate.ts';

/** An error to show the operator as is. */
export class CliError extends Error {}

/**
 * Runs admin operations where they are safe: directly on PostgreSQL; on the embedded
 * database, through the running server's admin socket when a server holds the data
 * directory, or by opening the directory (under its lock) when none does.
 */
export async function withAdmin<T>(config: Config, fn: (ops: AdminOps) => Promise<T>): Promise<T> {
  if (!config.databaseUrl) {
    const holder = readLock(config.dataDir);
    if (holder && isAlive(holder)) return fn(socketOps(holder.adminSocket, config.dataDir));
  }
  let storage;
  try {
    storage = await openConfiguredStorage(config);
  } catch (err) {
    if (err instanceof DataDirLockedError) return fn(socketOps(err.holder.adminSocket, config.dataDir));
    throw err;
  }
  try {
    await migrate(storage.database.db);
    return await fn(adminOps(storage.database.db, systemClock));
  } finally {
    await storage.close();
  }
}

function socketOps(socketPath: string | undefined, dataDir: string): AdminOps {
  if (!socketPath) {
    throw new CliError(`A Vigil process holds ${dataDir} but offers no admin socket; stop it, or use its API with an owner key.`);
  }
  return {
    createProject: (input) => post<CreatedProject>(socketPath, '/admin/projects', input),
    createApiKey: (input) => post<CreatedApiKey>(socketPath, '/admin/api-keys', input),
  };
}

function post<T>(socketPath: string, path: string, body: unknown): Promise<T> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath, path, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let parsed: { error?: string } = {};
          try {
            parsed = JSON.parse(text);
          } catch {
            /* reported below */
          }
          if ((res.statusCode ?? 500) >= 400) reject(new CliError(parsed.error ?? `server answered ${res.statusCode}`));
          else resolve(parsed as T);
        });
      },
    );
    req.on('error', (err) => reject(new CliError(`cannot reach the running server's admin socket ${socketPath}: ${err.message}`)));
    req.end(payload);
  });
}
