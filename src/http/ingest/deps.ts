import type { Ingest } from '../../integrations/ingest.ts';
import type { Clock } from '../../storage/clock.ts';
import type { Db } from '../../storage/database.ts';

/** What the inbound (ingest) routes need. */
export interface IngestDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly ingest: Ingest;
  /** Per-routing-key rate limit (requests per window); the server-wide setting. */
  readonly rateLimit: { readonly enabled: boolean; readonly max: number; readonly windowSeconds: number };
}
