/**
 * The app as the benchmarks load it: `buildApp` with the system clock and rate limiting
 * off, listening on 127.0.0.1 on a free port, closed by the run's cleanups. Imported by
 * the engine's run only, so that the orchestrator stays light.
 */
import { buildApp } from '../../src/app/build-app.ts';
import { systemClock } from '../../src/storage/clock.ts';
import type { Db } from '../../src/storage/database.ts';
import type { Cleanups } from './cleanups.ts';
import type { EngineName } from './engines.ts';
import { log } from './log.ts';

/** Starts the app over `db`; answers its port. */
export async function listenBenchApp(engine: EngineName, db: Db, cleanups: Cleanups): Promise<number> {
  const app = await buildApp({ db, clock: systemClock, rateLimit: { enabled: false, max: 1, windowSeconds: 1 } });
  cleanups.add(() => app.http.close());
  await app.http.listen({ host: '127.0.0.1', port: 0 });
  const address = app.http.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  log(`${engine}: listening on 127.0.0.1:${address.port}`);
  return address.port;
}
