-- Deadline (SLA) escalation (issue 5, seed 003): escalation policies in SmartClean Matrix's
-- JSON shape, the breaches of their start, due and unassigned conditions per incident, and
-- the log of every escalation level fired.

-- The policy document is kept as `json` (not `jsonb`) so it comes back exactly as written,
-- key order included. `id` is the document's `ID` in lower case (32 hex digits).
create table escalation_policy (
  project_id uuid not null references project (id) on delete cascade,
  id text not null check (id ~ '^[0-9a-f]{32}$'),
  policy_id text not null,
  name text not null,
  document json not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid,
  primary key (project_id, id)
);
create index escalation_policy_project_created_idx on escalation_policy (project_id, created_at);

-- One row per breach of one condition of one policy on one incident. A breach stays open
-- until its condition clears; its pending level jobs are the job group `sla:breach:<id>`.
-- `breach_no` counts the breaches of that (incident, policy, condition), from 1.
create table sla_breach (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  incident_id uuid not null,
  escalation_policy_id text not null,
  condition text not null check (condition in ('start', 'due', 'unassigned')),
  breach_no integer not null check (breach_no > 0),
  breached_at timestamptz not null,
  cleared_at timestamptz,
  cleared_reason text,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create unique index sla_breach_number_key on sla_breach (incident_id, escalation_policy_id, condition, breach_no);
-- At most one open breach per condition: the evaluator relies on this.
create unique index sla_breach_open_key on sla_breach (incident_id, escalation_policy_id, condition) where cleared_at is null;
create index sla_breach_project_created_idx on sla_breach (project_id, created_at);

-- Every escalation level fired: who was reached over what, and who was skipped and why.
-- Read-only over the API (`escalation-policy-log`).
create table sla_escalation_log (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  incident_id uuid not null,
  escalation_policy_id text not null,
  policy_name text not null,
  breach_id uuid not null,
  condition text not null check (condition in ('start', 'due', 'unassigned')),
  breach_no integer not null,
  level text not null check (level in ('L0', 'L1', 'L2', 'L3')),
  breached_at timestamptz not null,
  -- The instant the level was due; `fired_at` is when it actually ran.
  scheduled_at timestamptz not null,
  fired_at timestamptz not null,
  -- [{entity, entityMedium, method, userId, teamId}]
  recipients jsonb not null default '[]',
  -- [{entity, entityMedium, userId, teamId, reason}]
  skipped_recipients jsonb not null default '[]',
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create unique index sla_escalation_log_level_key on sla_escalation_log (breach_id, level);
create index sla_escalation_log_incident_idx on sla_escalation_log (project_id, incident_id, fired_at);
create index sla_escalation_log_project_created_idx on sla_escalation_log (project_id, created_at);
