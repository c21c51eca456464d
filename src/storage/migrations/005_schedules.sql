-- On-call schedules (issue 4): schedules with their layers, the users rotating through each
-- layer, overrides, temporary schedules, the time log of who was on call when, iCal feed
-- tokens, and the notices the roster refresher has already announced.
-- Rotation and restriction JSON is kept as `json` (not `jsonb`) so it comes back exactly as
-- written, key order included (OneUptime's shapes, with its `restictionType` spelling).

create table on_call_schedule (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  name text not null,
  description text,
  -- IANA time zone; required: there is no server-local fallback.
  timezone text not null,
  -- The roster cache, written only by the roster refresher.
  current_user_id_on_roster uuid,
  next_user_id_on_roster uuid,
  roster_start_at timestamptz,
  roster_handoff_at timestamptz,
  roster_next_start_at timestamptz,
  roster_next_handoff_at timestamptz,
  -- Up to when the refresher has logged hand-offs (null: never ran for this schedule).
  roster_checked_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid
);
create index on_call_schedule_project_created_idx on on_call_schedule (project_id, created_at);
create index on_call_schedule_handoff_idx on on_call_schedule (roster_handoff_at);

create table on_call_schedule_layer (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  schedule_id uuid not null references on_call_schedule (id) on delete cascade,
  name text not null,
  description text,
  -- Priority: a lower order wins where layers overlap.
  layer_order integer not null,
  starts_at timestamptz not null,
  rotation json not null,
  hand_off_time timestamptz not null,
  restriction_times json not null,
  rotation_clock text not null default 'calendar' check (rotation_clock in ('calendar', 'restricted')),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid
);
create index on_call_schedule_layer_schedule_idx on on_call_schedule_layer (schedule_id);
create index on_call_schedule_layer_project_created_idx on on_call_schedule_layer (project_id, created_at);

create table on_call_schedule_layer_user (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  schedule_id uuid not null references on_call_schedule (id) on delete cascade,
  layer_id uuid not null references on_call_schedule_layer (id) on delete cascade,
  user_id uuid not null references app_user (id) on delete cascade,
  -- Rotation order within the layer.
  user_order integer not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid
);
create index on_call_schedule_layer_user_layer_idx on on_call_schedule_layer_user (layer_id);
create index on_call_schedule_layer_user_project_created_idx on on_call_schedule_layer_user (project_id, created_at);

-- Overrides belong to the project: global (policy null) or for one policy. Policies come with
-- issue 5; until then policy_id is a plain uuid without a reference.
create table on_call_user_override (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  policy_id uuid,
  override_user_id uuid not null references app_user (id) on delete cascade,
  route_alerts_to_user_id uuid not null references app_user (id) on delete cascade,
  starts_at timestamptz not null,
  ends_at timestamptz not null check (ends_at > starts_at),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid
);
create index on_call_user_override_window_idx on on_call_user_override (project_id, ends_at, starts_at);

-- Fixed shifts that replace a schedule's layers for a while (GoAlert's temporary schedules).
create table on_call_schedule_temporary (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  schedule_id uuid not null references on_call_schedule (id) on delete cascade,
  name text,
  starts_at timestamptz not null,
  ends_at timestamptz not null check (ends_at > starts_at),
  shifts json not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid
);
create index on_call_schedule_temporary_schedule_idx on on_call_schedule_temporary (schedule_id, ends_at);
create index on_call_schedule_temporary_project_created_idx on on_call_schedule_temporary (project_id, created_at);

-- Who was on call when (for reporting); ends_at is null while the person is still on call.
create table on_call_time_log (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  schedule_id uuid not null references on_call_schedule (id) on delete cascade,
  user_id uuid not null,
  starts_at timestamptz not null,
  ends_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index on_call_time_log_schedule_idx on on_call_time_log (schedule_id, starts_at);
create unique index on_call_time_log_open_key on on_call_time_log (schedule_id) where ends_at is null;
create index on_call_time_log_project_created_idx on on_call_time_log (project_id, created_at);

-- Upcoming-shift notices already written as domain events, so refreshing twice announces once.
create table on_call_roster_notice (
  schedule_id uuid not null references on_call_schedule (id) on delete cascade,
  kind text not null,
  user_id uuid not null,
  starts_at timestamptz not null,
  created_at timestamptz not null,
  primary key (schedule_id, kind, user_id, starts_at)
);

-- iCal subscription feeds: per schedule or per user. Only the token's SHA-256 digest is kept;
-- deleting the row revokes the feed.
create table calendar_feed_token (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  name text,
  schedule_id uuid references on_call_schedule (id) on delete cascade,
  user_id uuid references app_user (id) on delete cascade,
  token_hash text not null,
  token_prefix text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid,
  check ((schedule_id is null) <> (user_id is null))
);
create unique index calendar_feed_token_hash_key on calendar_feed_token (token_hash);
create index calendar_feed_token_project_created_idx on calendar_feed_token (project_id, created_at);
