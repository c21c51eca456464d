-- Notifications (issue 10): contact methods, personal notification rules, provider settings,
-- and the sender pipeline's rows: the outbox as a work queue (leases, attempts, expansion)
-- and one delivery row per message with every attempt recorded.

-- Every way to reach someone, one table: a user's email, SMS and voice numbers, in-app
-- devices and webhooks, and Slack / Microsoft Teams destinations (a user's own, or the
-- project's when user_id is null). The OneUptime-named resources are views over it.
create table contact_method (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  user_id uuid references app_user (id) on delete cascade,
  kind text not null check (kind in ('email', 'sms', 'call', 'push', 'webhook', 'slack', 'teams')),
  -- The email address, E.164 number, device name, webhook URL or Slack channel / member id.
  address text not null,
  name text,
  is_verified boolean not null default false,
  -- SHA-256 of the verification code last sent; never the code itself.
  verification_code_hash text,
  verification_code_expires_at timestamptz,
  verification_attempts integer not null default 0,
  verification_code_sent_at timestamptz,
  -- Turned off by its owner (an SMS `STOP`); `START` turns it on again.
  is_disabled boolean not null default false,
  disabled_reason text,
  -- Secrets (a webhook's signing secret, a Teams Workflows URL): AES-256-GCM, see notifications/secrets.
  secret_encrypted text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid,
  check (user_id is not null or kind in ('slack', 'teams'))
);
create index contact_method_user_idx on contact_method (project_id, user_id, kind);
create index contact_method_address_idx on contact_method (kind, address);

create view user_email as select * from contact_method where kind = 'email' with cascaded check option;
alter view user_email alter column kind set default 'email';
create view user_sms as select * from contact_method where kind = 'sms' with cascaded check option;
alter view user_sms alter column kind set default 'sms';
create view user_call as select * from contact_method where kind = 'call' with cascaded check option;
alter view user_call alter column kind set default 'call';
create view user_push as select * from contact_method where kind = 'push' with cascaded check option;
alter view user_push alter column kind set default 'push';
create view user_webhook as select * from contact_method where kind = 'webhook' with cascaded check option;
alter view user_webhook alter column kind set default 'webhook';
create view workspace_destination as select * from contact_method where kind in ('slack', 'teams') with cascaded check option;

-- A user's personal notification rules: on this kind of event (and severity), notify over this
-- contact method `notify_after_minutes` after the page.
create table user_notification_rule (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  user_id uuid not null references app_user (id) on delete cascade,
  rule_type text not null,
  incident_severity_id uuid,
  alert_severity_id uuid,
  notify_after_minutes integer not null default 0 check (notify_after_minutes between 0 and 1440),
  user_email_id uuid references contact_method (id) on delete cascade,
  user_sms_id uuid references contact_method (id) on delete cascade,
  user_call_id uuid references contact_method (id) on delete cascade,
  user_push_id uuid references contact_method (id) on delete cascade,
  user_webhook_id uuid references contact_method (id) on delete cascade,
  workspace_destination_id uuid references contact_method (id) on delete cascade,
  -- An opt-out rule: never notify for this event type (and severity).
  is_opt_out boolean not null default false,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid
);
create index user_notification_rule_user_idx on user_notification_rule (project_id, user_id, rule_type);

-- A user with no rule for an event is emailed at once (OneUptime's fallback) unless the project turns that off.
alter table project add column disable_on_call_notification_fallback boolean not null default false;

-- A project's provider settings (SMTP, Twilio, Slack), one row per provider; the secret part
-- (password, auth token, bot token, signing secret) encrypted. The environment's settings
-- serve projects that have none.
create table notification_provider (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  provider text not null check (provider in ('smtp', 'twilio', 'slack')),
  settings jsonb not null default '{}',
  secret_encrypted text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid
);
create unique index notification_provider_project_key on notification_provider (project_id, provider);

-- The outbox becomes the sender's work queue.
alter table notification_outbox drop constraint notification_outbox_status_check;
alter table notification_outbox add constraint notification_outbox_status_check check (status in
  ('Pending', 'Sending', 'Sent', 'Error', 'Cancelled', 'Expanded', 'Ignored', 'Unknown'));
-- The contact method a leaf row goes to (a row without one is expanded first).
alter table notification_outbox add column contact_method_id uuid;
-- The row this one was expanded from (personal rules, or one row per contact method).
alter table notification_outbox add column parent_id uuid;
alter table notification_outbox add column user_notification_rule_id uuid;
alter table notification_outbox add column attempts integer not null default 0;
-- A claim's lease: while a provider call is in flight no one else touches the row; a row
-- still `Sending` after its lease was left by a crash and is resolved, never blindly resent.
alter table notification_outbox add column locked_until timestamptz;
alter table notification_outbox add column locked_by text;
alter table notification_outbox alter column user_id drop not null;
create index notification_outbox_sending_idx on notification_outbox (locked_until) where status = 'Sending';
create index notification_outbox_parent_idx on notification_outbox (parent_id) where parent_id is not null;

-- One row per message: what was sent to whom over which medium, its provider id, status and
-- cost, with every correlation id. The delivery logs (call log, SMS log, ...) and notification
-- runs are views over these rows.
create table notification_delivery (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  outbox_id uuid not null,
  -- EMAIL, SMS, VOICE, PUSH, WEBHOOK, SLACK, MICROSOFT_TEAMS
  medium text not null,
  method text not null,
  reason text not null,
  user_id uuid,
  contact_method_id uuid,
  -- Where it went: an address, number, URL (without secrets) or channel.
  recipient text,
  from_address text,
  title text not null,
  body text not null,
  status text not null check (status in ('Pending', 'Sending', 'Sent', 'Delivered', 'Failed', 'Unknown', 'Ignored', 'Cancelled')),
  status_message text,
  ignored_reason text,
  failed_reason text,
  provider_message_id text,
  provider_status text,
  cost_usd_cents numeric(12, 4),
  attempts integer not null default 0,
  -- SMS reply code (`<n>a` acknowledges): unique per number among its recent messages.
  reply_code integer,
  incident_id uuid,
  alert_id uuid,
  alert_episode_id uuid,
  incident_episode_id uuid,
  monitor_id uuid,
  on_call_duty_policy_id uuid,
  on_call_duty_policy_escalation_rule_id uuid,
  on_call_duty_policy_schedule_id uuid,
  on_call_duty_policy_execution_log_id uuid,
  user_notification_log_id uuid,
  team_id uuid,
  escalation_policy_id uuid,
  sent_at timestamptz,
  delivered_at timestamptz,
  acknowledged_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create unique index notification_delivery_outbox_key on notification_delivery (outbox_id);
create index notification_delivery_project_created_idx on notification_delivery (project_id, created_at);
create index notification_delivery_provider_idx on notification_delivery (provider_message_id) where provider_message_id is not null;
-- Throttles and duplicate checks look back over recent deliveries to one address.
create index notification_delivery_recipient_idx on notification_delivery (method, recipient, created_at);
create index notification_delivery_reply_idx on notification_delivery (recipient, reply_code, created_at) where reply_code is not null;

-- Every provider call: outcome, provider id, error and how long it took.
create table notification_attempt (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  delivery_id uuid not null references notification_delivery (id) on delete cascade,
  attempt_no integer not null,
  status text not null check (status in ('Sending', 'Sent', 'TemporaryFailure', 'PermanentFailure', 'Unknown')),
  provider_message_id text,
  error text,
  duration_ms integer,
  started_at timestamptz not null,
  finished_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create unique index notification_attempt_key on notification_attempt (delivery_id, attempt_no);

-- In-app notifications: what the live feed shows, kept so a client that reconnects catches up.
create table in_app_notification (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  user_id uuid not null,
  delivery_id uuid,
  seq bigint generated always as identity,
  title text not null,
  body text not null,
  data jsonb not null default '{}',
  read_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index in_app_notification_user_idx on in_app_notification (project_id, user_id, seq);

-- Inbound requests seen once (Slack interactivity, signed links), for replay refusal.
create table inbound_replay (
  key text primary key,
  seen_at timestamptz not null
);

-- Wake the sender when a request is written (LISTEN vigil_outbox).
create function vigil_outbox_notify() returns trigger language plpgsql as $$
begin
  perform pg_notify('vigil_outbox', '');
  return null;
end $$;
create trigger notification_outbox_inserted after insert on notification_outbox for each statement execute function vigil_outbox_notify();
-- Wake the in-app live feeds of the user a notification is for (LISTEN vigil_in_app, payload: user id).
create function vigil_in_app_notify() returns trigger language plpgsql as $$
begin
  perform pg_notify('vigil_in_app', new.user_id::text);
  return null;
end $$;
create trigger in_app_notification_inserted after insert on in_app_notification for each row execute function vigil_in_app_notify();

-- Installation-wide settings Vigil generates for itself (the secret key on PostgreSQL when
-- VIGIL_SECRET_KEY is not set).
create table vigil_setting (
  name text primary key,
  value text not null
);
