-- Incidents, alerts and their episodes; the activity feed and the durable domain-event log;
-- inbound integrations, heartbeat monitors, scheduled maintenance and change events.
-- A state change, its feed entry and its domain event are written in one transaction.

create table incident_severity (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  name text not null,
  description text,
  color text,
  severity_order integer not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid
);
create unique index incident_severity_name_key on incident_severity (project_id, lower(name));

create table alert_severity (like incident_severity including all);
alter table alert_severity add foreign key (project_id) references project (id) on delete cascade;

-- Inbound endpoints. Only a digest of the routing key is kept; the key is shown once.
create table integration (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  name text not null,
  description text,
  integration_type text not null check (integration_type in ('pagerduty-events-v2', 'alertmanager', 'generic', 'heartbeat')),
  creates text not null default 'alert' check (creates in ('alert', 'incident')),
  key_hash text not null,
  key_prefix text not null,
  severity_map jsonb not null default '{}',
  label_ids uuid[] not null default '{}',
  default_priority text check (default_priority in ('L', 'N', 'M', 'H')),
  is_enabled boolean not null default true,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid
);
create unique index integration_key_hash_key on integration (key_hash);
create index integration_project_created_idx on integration (project_id, created_at);

create table monitor (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  name text not null,
  description text,
  monitor_type text not null default 'heartbeat' check (monitor_type in ('heartbeat')),
  interval_seconds integer not null check (interval_seconds > 0),
  grace_seconds integer not null default 0 check (grace_seconds >= 0),
  key_hash text not null,
  key_prefix text not null,
  alert_severity_id uuid references alert_severity (id) on delete set null,
  status text not null default 'Unknown' check (status in ('Unknown', 'Up', 'Down')),
  last_ping_at timestamptz,
  -- When the next ping is due at the latest (interval + grace after the last one); the
  -- durable timer the heartbeat checker claims.
  next_due_at timestamptz,
  current_alert_id uuid,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid
);
create unique index monitor_key_hash_key on monitor (key_hash);
create index monitor_due_idx on monitor (next_due_at) where next_due_at is not null and status <> 'Down';
create index monitor_project_created_idx on monitor (project_id, created_at);

create table alert_episode (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  title text not null,
  description text,
  group_key text,
  integration_id uuid references integration (id) on delete set null,
  state text not null default 'Created' check (state in ('Created', 'Acknowledged', 'Resolved')),
  acknowledged_at timestamptz,
  acknowledged_by_user_id uuid,
  resolved_at timestamptz,
  resolved_by_user_id uuid,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid
);
create unique index alert_episode_open_group_key on alert_episode (project_id, group_key)
  where state <> 'Resolved' and group_key is not null;
create index alert_episode_project_created_idx on alert_episode (project_id, created_at);

create table incident_episode (like alert_episode including all);
alter table incident_episode add foreign key (project_id) references project (id) on delete cascade;
alter table incident_episode add foreign key (integration_id) references integration (id) on delete set null;

create table alert (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  title text not null,
  description text,
  severity_id uuid,
  state text not null default 'Created' check (state in ('Created', 'Acknowledged', 'Resolved')),
  acknowledged_at timestamptz,
  acknowledged_by_user_id uuid,
  resolved_at timestamptz,
  resolved_by_user_id uuid,
  integration_id uuid references integration (id) on delete set null,
  monitor_id uuid references monitor (id) on delete set null,
  episode_id uuid,
  dedup_key text,
  source text not null default 'api',
  label_ids uuid[] not null default '{}',
  custom_fields jsonb not null default '{}',
  links jsonb not null default '[]',
  is_suppressed boolean not null default false,
  event_count integer not null default 1,
  last_event_at timestamptz not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid
);
-- At most one open alert per dedup key and source; folding relies on this index.
create unique index alert_open_dedup_key on alert (project_id, integration_id, dedup_key) nulls not distinct
  where state <> 'Resolved' and dedup_key is not null;
create index alert_project_created_idx on alert (project_id, created_at);
create index alert_episode_idx on alert (episode_id) where episode_id is not null;

create table incident (like alert including all);
alter table incident add column priority text check (priority in ('L', 'N', 'M', 'H'));
alter table incident add column incident_type text;
alter table incident add column assignee_user_id uuid;
alter table incident add column assigned_at timestamptz;
alter table incident add column started_at timestamptz;
alter table incident add foreign key (project_id) references project (id) on delete cascade;
alter table incident add foreign key (integration_id) references integration (id) on delete set null;
alter table incident add foreign key (monitor_id) references monitor (id) on delete set null;
alter table incident add foreign key (severity_id) references incident_severity (id) on delete set null;
alter table incident add foreign key (episode_id) references incident_episode (id) on delete set null;
alter table alert add foreign key (severity_id) references alert_severity (id) on delete set null;
alter table alert add foreign key (episode_id) references alert_episode (id) on delete set null;

-- Every state change of an incident, alert or episode: who, through what, when.
create table activity (
  id uuid primary key,
  seq bigint generated always as identity,
  project_id uuid not null references project (id) on delete cascade,
  subject_type text not null check (subject_type in ('incident', 'alert', 'alert-episode', 'incident-episode')),
  subject_id uuid not null,
  kind text not null,
  message text not null,
  actor_type text not null check (actor_type in ('user', 'api-key', 'integration', 'monitor', 'system')),
  actor_id uuid,
  user_id uuid,
  via text not null,
  data jsonb not null default '{}',
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index activity_subject_idx on activity (project_id, subject_type, subject_id, created_at);
create index activity_project_created_idx on activity (project_id, created_at);

create view incident_feed as select * from activity where subject_type = 'incident';
create view alert_feed as select * from activity where subject_type = 'alert';
create view alert_episode_feed as select * from activity where subject_type = 'alert-episode';
create view incident_episode_feed as select * from activity where subject_type = 'incident-episode';

-- The durable log of domain events, in commit order of `seq`, for the engine to consume.
create table domain_event (
  id uuid primary key,
  seq bigint generated always as identity,
  project_id uuid not null references project (id) on delete cascade,
  event_type text not null,
  subject_type text not null,
  subject_id uuid not null,
  payload jsonb not null default '{}',
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create unique index domain_event_seq_key on domain_event (seq);
create index domain_event_project_created_idx on domain_event (project_id, created_at);

create table change_event (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  integration_id uuid references integration (id) on delete set null,
  summary text not null,
  source text,
  occurred_at timestamptz,
  custom_details jsonb not null default '{}',
  links jsonb not null default '[]',
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index change_event_project_created_idx on change_event (project_id, created_at);

create table scheduled_maintenance (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  title text not null,
  description text,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  monitor_ids uuid[] not null default '{}',
  integration_ids uuid[] not null default '{}',
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid,
  check (ends_at > starts_at)
);
create index scheduled_maintenance_window_idx on scheduled_maintenance (project_id, starts_at, ends_at);

-- Projects that exist already get the standard severities.
insert into incident_severity (id, project_id, name, description, color, severity_order, created_at, updated_at)
select gen_random_uuid(), p.id, s.name, s.description, s.color, s.ord, now(), now()
from project p cross join (values
  ('Critical', 'Service down or data at risk; page now', '#d32f2f', 1),
  ('Major', 'Serious degradation; page', '#f57c00', 2),
  ('Minor', 'Limited impact; handle in hours', '#fbc02d', 3),
  ('Info', 'For information', '#1976d2', 4)) as s(name, description, color, ord);
insert into alert_severity (id, project_id, name, description, color, severity_order, created_at, updated_at)
select gen_random_uuid(), project_id, name, description, color, severity_order, created_at, updated_at from incident_severity;
