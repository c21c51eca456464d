-- On-call duty policies (issue 5): policies with their ordered escalation rules and the users,
-- teams and schedules each rule pages; what decides which policies run for an incident, alert
-- or episode (explicit attachments, integrations, routing rules); and the record of every run:
-- the execution log (OneUptime's seed 000), its timeline (one row per target user or skip) and
-- the per-user notification log. The runs themselves advance as engine jobs (006).

create table on_call_policy (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  name text not null,
  description text,
  label_ids uuid[] not null default '{}',
  repeat_policy_if_no_one_acknowledges boolean not null default false,
  -- Extra passes over the rules when nobody acknowledges (used only while the flag above is set).
  repeat_policy_if_no_one_acknowledges_no_of_times integer not null default 1
    check (repeat_policy_if_no_one_acknowledges_no_of_times between 0 and 100),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid
);
create index on_call_policy_project_created_idx on on_call_policy (project_id, created_at);

-- Rules run by ascending `rule_order`; numbering may have gaps. One rule per order in a policy.
create table on_call_policy_escalation_rule (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  policy_id uuid not null references on_call_policy (id) on delete cascade,
  name text not null,
  description text,
  escalate_after_in_minutes integer not null default 30 check (escalate_after_in_minutes >= 0),
  rule_order integer not null check (rule_order >= 0),
  -- Optional channel order, e.g. [{"method":"sms","afterMinutes":0},{"method":"call","afterMinutes":2}];
  -- null: each user's personal notification rules decide.
  notification_methods json,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid
);
create unique index on_call_policy_escalation_rule_order_key on on_call_policy_escalation_rule (policy_id, rule_order);
create index on_call_policy_escalation_rule_project_created_idx on on_call_policy_escalation_rule (project_id, created_at);

-- A rule's targets: users, teams (every member) and schedules (whoever is on call when the rule runs).
create table on_call_policy_escalation_rule_user (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  policy_id uuid not null references on_call_policy (id) on delete cascade,
  rule_id uuid not null references on_call_policy_escalation_rule (id) on delete cascade,
  user_id uuid not null references app_user (id) on delete cascade,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid
);
create unique index on_call_policy_escalation_rule_user_key on on_call_policy_escalation_rule_user (rule_id, user_id);
create index on_call_policy_escalation_rule_user_project_created_idx on on_call_policy_escalation_rule_user (project_id, created_at);

create table on_call_policy_escalation_rule_team (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  policy_id uuid not null references on_call_policy (id) on delete cascade,
  rule_id uuid not null references on_call_policy_escalation_rule (id) on delete cascade,
  team_id uuid not null references team (id) on delete cascade,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid
);
create unique index on_call_policy_escalation_rule_team_key on on_call_policy_escalation_rule_team (rule_id, team_id);
create index on_call_policy_escalation_rule_team_project_created_idx on on_call_policy_escalation_rule_team (project_id, created_at);

create table on_call_policy_escalation_rule_schedule (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  policy_id uuid not null references on_call_policy (id) on delete cascade,
  rule_id uuid not null references on_call_policy_escalation_rule (id) on delete cascade,
  schedule_id uuid not null references on_call_schedule (id) on delete cascade,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid
);
create unique index on_call_policy_escalation_rule_schedule_key on on_call_policy_escalation_rule_schedule (rule_id, schedule_id);
create index on_call_policy_escalation_rule_schedule_project_created_idx on on_call_policy_escalation_rule_schedule (project_id, created_at);

-- A policy attached by hand to one incident, alert or episode: it runs for that subject.
create table on_call_policy_attachment (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  policy_id uuid not null references on_call_policy (id) on delete cascade,
  incident_id uuid references incident (id) on delete cascade,
  alert_id uuid references alert (id) on delete cascade,
  alert_episode_id uuid references alert_episode (id) on delete cascade,
  incident_episode_id uuid references incident_episode (id) on delete cascade,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid,
  check (num_nonnulls(incident_id, alert_id, alert_episode_id, incident_episode_id) = 1)
);
create unique index on_call_policy_attachment_key on on_call_policy_attachment
  (policy_id, incident_id, alert_id, alert_episode_id, incident_episode_id) nulls not distinct;
create index on_call_policy_attachment_project_created_idx on on_call_policy_attachment (project_id, created_at);

-- The policies an integration's events run: for what it opens (subject_type null: its alerts or
-- incidents), or for the episodes it groups them into.
create table integration_on_call_policy (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  integration_id uuid not null references integration (id) on delete cascade,
  policy_id uuid not null references on_call_policy (id) on delete cascade,
  subject_type text check (subject_type in ('incident', 'alert', 'alert-episode', 'incident-episode')),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid
);
create unique index integration_on_call_policy_key on integration_on_call_policy (integration_id, policy_id, subject_type) nulls not distinct;
create index integration_on_call_policy_project_created_idx on integration_on_call_policy (project_id, created_at);

-- Routing rules (OneUptime's on-call rules): every enabled rule whose conditions all hold adds its
-- policies; a policy runs once per subject however many ways it matched.
create table on_call_policy_routing_rule (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  name text not null,
  description text,
  subject_type text not null check (subject_type in ('incident', 'alert', 'alert-episode', 'incident-episode')),
  rule_order integer not null,
  is_enabled boolean not null default true,
  severity_ids uuid[] not null default '{}',
  label_ids uuid[] not null default '{}',
  integration_ids uuid[] not null default '{}',
  title_pattern text,
  description_pattern text,
  policy_ids uuid[] not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid
);
create index on_call_policy_routing_rule_project_idx on on_call_policy_routing_rule (project_id, subject_type, rule_order);
create index on_call_policy_routing_rule_project_created_idx on on_call_policy_routing_rule (project_id, created_at);

-- One run of a policy (OneUptime's OnCallDutyPolicyExecutionLog). The subject ids are plain
-- uuids: the log outlives a deleted incident.
create table on_call_policy_execution (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  policy_id uuid not null references on_call_policy (id) on delete cascade,
  triggered_by_incident_id uuid,
  triggered_by_alert_id uuid,
  triggered_by_alert_episode_id uuid,
  triggered_by_incident_episode_id uuid,
  status text not null check (status in ('Scheduled', 'Started', 'Executing', 'Execution Completed',
    'Execution Completed - No One Notified', 'Error')),
  status_message text not null,
  -- A message given on create stays until the run ends.
  keep_status_message boolean not null default false,
  user_notification_event_type text not null check (user_notification_event_type in
    ('Incident Created', 'Alert Created', 'Alert Episode Created', 'Incident Episode Created')),
  acknowledged_by_user_id uuid,
  acknowledged_at timestamptz,
  acknowledged_by_team_id uuid,
  last_executed_escalation_rule_order integer,
  last_escalation_rule_executed_at timestamptz,
  last_executed_escalation_rule_id uuid,
  execute_next_escalation_rule_in_minutes integer,
  -- The pass over the rules: 1, then one more per repeat.
  on_call_policy_execution_repeat_count integer not null default 1,
  triggered_by_user_id uuid,
  -- Users notified so far (for "Execution Completed - No One Notified").
  users_notified integer not null default 0,
  -- Automatic runs: `auto:<policy>:<subject>`, so a policy runs once per subject; null for runs by hand.
  start_key text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid
);
create unique index on_call_policy_execution_start_key on on_call_policy_execution (start_key);
create index on_call_policy_execution_project_created_idx on on_call_policy_execution (project_id, created_at);
create index on_call_policy_execution_incident_idx on on_call_policy_execution (triggered_by_incident_id) where triggered_by_incident_id is not null;
create index on_call_policy_execution_alert_idx on on_call_policy_execution (triggered_by_alert_id) where triggered_by_alert_id is not null;
create index on_call_policy_execution_alert_episode_idx on on_call_policy_execution (triggered_by_alert_episode_id) where triggered_by_alert_episode_id is not null;
create index on_call_policy_execution_incident_episode_idx on on_call_policy_execution (triggered_by_incident_episode_id) where triggered_by_incident_episode_id is not null;

-- One row per target user (or skip) of each rule a run executed.
create table on_call_policy_execution_timeline (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  execution_id uuid not null references on_call_policy_execution (id) on delete cascade,
  policy_id uuid not null,
  rule_id uuid,
  triggered_by_incident_id uuid,
  triggered_by_alert_id uuid,
  triggered_by_alert_episode_id uuid,
  triggered_by_incident_episode_id uuid,
  user_notification_event_type text not null,
  repeat_count integer not null,
  rule_order integer,
  alert_sent_to_user_id uuid,
  user_belongs_to_team_id uuid,
  on_call_duty_schedule_id uuid,
  -- The user an override replaced (OneUptime's spelling).
  overrided_by_user_id uuid,
  status text not null check (status in ('Skipped', 'Started', 'Executing', 'Successfully Acknowledged', 'Notification Sent', 'Error')),
  status_message text not null,
  is_acknowledged boolean not null default false,
  acknowledged_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index on_call_policy_execution_timeline_execution_idx on on_call_policy_execution_timeline (execution_id);
create index on_call_policy_execution_timeline_project_created_idx on on_call_policy_execution_timeline (project_id, created_at);

-- Per user reached by a rule of a run: what the notification layer works through.
create table user_notification_log (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  user_id uuid not null,
  execution_id uuid not null references on_call_policy_execution (id) on delete cascade,
  timeline_id uuid,
  policy_id uuid not null,
  rule_id uuid,
  schedule_id uuid,
  team_id uuid,
  triggered_by_incident_id uuid,
  triggered_by_alert_id uuid,
  triggered_by_alert_episode_id uuid,
  triggered_by_incident_episode_id uuid,
  user_notification_event_type text not null,
  overrided_by_user_id uuid,
  status text not null check (status in ('Scheduled', 'Started', 'Executing', 'Completed', 'Error')),
  status_message text not null,
  is_acknowledged boolean not null default false,
  acknowledged_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index user_notification_log_execution_idx on user_notification_log (execution_id);
create index user_notification_log_project_created_idx on user_notification_log (project_id, created_at);
create index user_notification_log_user_idx on user_notification_log (project_id, user_id, created_at);

create index notification_outbox_execution_idx on notification_outbox (on_call_duty_policy_execution_log_id)
  where on_call_duty_policy_execution_log_id is not null;
