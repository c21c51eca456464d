import type { Clock } from '../storage/clock.ts';
import type { Db } from '../storage/database.ts';

/** A piece of future work to write in the caller's transaction. */
export interface JobSpec {
  readonly projectId: string | null;
  /** Names the handler, e.g. `on-call.escalate`, `sla.level`. */
  readonly kind: string;
  readonly runAt: Date;
  readonly payload?: Record<string, unknown>;
  /** Unique among all jobs ever written: enqueueing an existing key does nothing. */
  readonly key: string;
  /** Jobs cancelled together, e.g. `execution:<id>`. */
  readonly group?: string | null;
  /** Attempts before the job is dead-lettered (default 10). */
  readonly maxAttempts?: number;
}

/** A claimed job as its handler sees it. */
export interface Job {
  readonly id: string;
  readonly projectId: string | null;
  readonly kind: string;
  readonly runAt: Date;
  readonly payload: Record<string, unknown>;
  readonly key: string;
  readonly group: string | null;
  /** Attempts before this one. */
  readonly attempts: number;
}

/** What a handler works with: the claiming transaction and the instant it runs at. */
export interface JobContext {
  /** The transaction that claimed the job; write every resulting row through it. */
  readonly tx: Db;
  readonly job: Job;
  /** The clock's instant when the claim was made. */
  readonly now: Date;
  readonly clock: Clock;
}

/**
 * Does one job's work inside the claiming transaction. Throwing rolls the transaction back;
 * the job is retried with exponential backoff and dead-lettered after its attempts.
 */
export type JobHandler = (ctx: JobContext) => Promise<void>;

/** A row of `domain_event`, as consumers see it. */
export interface DomainEvent {
  readonly id: string;
  readonly seq: number;
  readonly projectId: string;
  /** e.g. `incident.created`, `alert.acknowledged`, `incident.assigned`, `schedule.oncall_person_changed`. */
  readonly eventType: string;
  readonly subjectType: string;
  readonly subjectId: string;
  readonly payload: Record<string, unknown>;
  readonly createdAt: Date;
}

export interface EventContext {
  /** The transaction that claimed the event; it is marked consumed in the same transaction. */
  readonly tx: Db;
  readonly event: DomainEvent;
  readonly now: Date;
  readonly clock: Clock;
}

/** Reacts to a domain event exactly once, inside the consuming transaction. */
export type DomainEventHandler = (ctx: EventContext) => Promise<void>;

/** Everything the engine runs: job handlers by kind and domain event consumers. */
export interface EngineHandlers {
  readonly jobs: Readonly<Record<string, JobHandler>>;
  readonly events: readonly DomainEventHandler[];
}
