-- Projects (tenants), people and what they may do.
-- Users are global (one person, one email); membership in a project carries a role.
-- Every project-owned row has project_id, and every query is scoped by it.
-- Times come from the application's clock, never from now(), so tests can move time.

create table project (
  id uuid primary key,
  name text not null,
  description text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid
);

create table app_user (
  id uuid primary key,
  email text not null,
  name text not null,
  password_hash text,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create unique index app_user_email_key on app_user (lower(email));

create table project_member (
  project_id uuid not null references project (id) on delete cascade,
  user_id uuid not null references app_user (id) on delete cascade,
  role text not null check (role in ('Project Owner', 'Project Admin', 'Project Member', 'Viewer')),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid,
  primary key (project_id, user_id)
);
create index project_member_user_idx on project_member (user_id);

-- The `user` resource: a project's members as one row each.
create view project_user as
  select u.id, m.project_id, u.email, u.name, m.role,
         m.created_at, m.updated_at, m.created_by_user_id
  from project_member m
  join app_user u on u.id = m.user_id;

create table team (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  name text not null,
  description text,
  label_ids uuid[] not null default '{}',
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid
);
create unique index team_name_key on team (project_id, lower(name));
create index team_project_created_idx on team (project_id, created_at);

create table team_member (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  team_id uuid not null references team (id) on delete cascade,
  user_id uuid not null references app_user (id) on delete cascade,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid
);
create unique index team_member_key on team_member (team_id, user_id);
create index team_member_project_created_idx on team_member (project_id, created_at);
create index team_member_user_idx on team_member (project_id, user_id);

create table team_permission (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  team_id uuid not null references team (id) on delete cascade,
  permission text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid
);
create unique index team_permission_key on team_permission (team_id, permission);
create index team_permission_project_created_idx on team_permission (project_id, created_at);

create table label (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  name text not null,
  description text,
  color text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid
);
create unique index label_name_key on label (project_id, lower(name));
create index label_project_created_idx on label (project_id, created_at);

-- API keys: only a SHA-256 digest of the secret is kept; the secret is shown once.
create table api_key (
  id uuid primary key,
  project_id uuid not null references project (id) on delete cascade,
  name text not null,
  description text,
  key_prefix text not null,
  key_hash text not null,
  role text check (role in ('Project Owner', 'Project Admin', 'Project Member', 'Viewer')),
  permissions text[] not null default '{}',
  expires_at timestamptz,
  user_id uuid references app_user (id) on delete set null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_user_id uuid
);
create unique index api_key_hash_key on api_key (key_hash);
create index api_key_project_created_idx on api_key (project_id, created_at);
