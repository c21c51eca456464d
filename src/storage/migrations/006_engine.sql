-- The engine (issue 5): one durable table for all future work, exactly-once consumption of
-- domain events, and the notification outbox the escalation steps write to.

-- Every future action is a job row with a due time. A job is claimed with
-- `FOR UPDATE SKIP LOCKED`; its handler writes every resulting row in the claiming
-- transaction, so a crash before commit leaves the job to be claimed again.
create table job (
  id uuid primary key,
  project_id uuid references project (id) on delete cascade,
  kind text not null,
  run_at timestamptz not null,
  payload jsonb not null default '{}',
  -- Unique among all jobs ever written: enqueueing a key twice does nothing.
  idempotency_key text not null,
  -- Jobs cancelled together, e.g. `execution:<id>` or `incident:<id>`.
  group_key text,
  state text not null default 'pending' check (state in ('pending', 'done', 'cancelled', 'dead')),
  attempts integer not null default 0,
  max_attempts integer not null default 10,
  -- A claim's lease: until then no other worker takes the job (work done outside the claiming transaction).
  locked_until timestamptz,
  locked_by text,
  last_error text,
  finished_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create unique index job_idempotency_key on job (idempotency_key);
create index job_due_idx on job (run_at) where state = 'pending';
create index job_group_idx on job (group_key) where state = 'pending' and group_key is not null;
create index job_project_created_idx on job (project_id, created_at);

-- Domain events are consumed exactly once: a consumer claims unconsumed events with
-- `FOR UPDATE SKIP LOCKED` and marks them in the transaction that handled them.
alter table domain_event add column consumed_at timestamptz;
alter table domain_event add column attempts integer not null default 0;
alter table domain_event add column last_error text;
-- After a consumer failed, the event is not retried before this instant (exponential backoff).
alter table domain_event add column retry_at timestamptz;
-- Events written before the engine existed are history, not work.
update domain_event set consumed_at = created_at;
create index domain_event_unconsumed_idx on domain_event (seq) where consumed_at is null;

-- Wake sleeping workers when work is added (LISTEN vigil_engine).
create function vigil_engine_notify() returns trigger language plpgsql as $$
begin
  perform pg_notify('vigil_engine', '');
  return null;
end $$;
create trigger job_inserted after insert on job for each statement execute function vigil_engine_notify();
create trigger domain_event_inserted after insert on domain_event for each statement execute function vigil_engine_notify();

-- One row per (recipient, method, reason): what the channel senders deliver. The unique
-- idempotency key makes a step that runs twice write its requests once.
create table notification_outbox (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  idempotency_key text not null,
  user_id uuid not null,
  -- email, sms, call, push, webhook, slack, teams, in-app; null: the user's personal notification rules decide.
  method text,
  -- What caused it: on-call-policy, sla-escalation, ...
  reason text not null,
  title text not null,
  body text not null default '',
  status text not null default 'Pending' check (status in ('Pending', 'Sending', 'Sent', 'Error', 'Cancelled')),
  -- Not to be sent before this instant (a later method in a rule's channel order).
  send_after timestamptz not null,
  incident_id uuid,
  alert_id uuid,
  alert_episode_id uuid,
  incident_episode_id uuid,
  on_call_duty_policy_id uuid,
  on_call_duty_policy_escalation_rule_id uuid,
  on_call_duty_policy_schedule_id uuid,
  on_call_duty_policy_execution_log_id uuid,
  user_notification_log_id uuid,
  team_id uuid,
  escalation_policy_id uuid,
  payload jsonb not null default '{}',
  status_message text,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create unique index notification_outbox_idempotency_key on notification_outbox (idempotency_key);
create index notification_outbox_pending_idx on notification_outbox (send_after) where status = 'Pending';
create index notification_outbox_project_created_idx on notification_outbox (project_id, created_at);
