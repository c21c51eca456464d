-- The API's views over notification settings (issue 10). The provider settings resources
-- (smtp-config, call-sms-config, slack-config) read `notification_provider` through these views:
-- each settings key the sender reads becomes a column, and of the sealed secret only whether
-- one is stored. Writes go through the resources' hooks, never through these views.
create view smtp_config as
  select id, project_id,
    settings->>'hostname' as hostname,
    case when jsonb_typeof(settings->'port') = 'number' then (settings->>'port')::int end as port,
    settings->>'username' as username,
    settings->>'fromEmail' as from_email,
    settings->>'fromName' as from_name,
    coalesce(settings->'secure' = 'true'::jsonb, false) as secure,
    secret_encrypted is not null as has_password,
    created_at, updated_at, created_by_user_id
  from notification_provider where provider = 'smtp';

create view call_sms_config as
  select id, project_id,
    settings->>'twilioAccountSID' as twilio_account_sid,
    settings->>'twilioPrimaryPhoneNumber' as twilio_primary_phone_number,
    settings->>'apiBaseUrl' as api_base_url,
    secret_encrypted is not null as has_auth_token,
    created_at, updated_at, created_by_user_id
  from notification_provider where provider = 'twilio';

create view slack_config as
  select id, project_id,
    settings->>'apiUrl' as api_url,
    secret_encrypted is not null as has_bot_token,
    created_at, updated_at, created_by_user_id
  from notification_provider where provider = 'slack';

-- An in-app device's type (OneUptime's `deviceType`: web, ios, android).
alter table contact_method add column device_type text;
create or replace view user_push as select * from contact_method where kind = 'push' with cascaded check option;
alter view user_push alter column kind set default 'push';

-- Workspace destinations as OneUptime names them: `workspaceType` Slack | MicrosoftTeams, and the
-- Slack channel id apart from the address (a Teams destination's address is its name; its
-- Workflows URL is sealed in secret_encrypted).
create or replace view workspace_destination as
  select *,
    case kind when 'slack' then 'Slack' else 'MicrosoftTeams' end as workspace_type,
    case kind when 'slack' then address end as channel_id
  from contact_method where kind in ('slack', 'teams') with cascaded check option;
