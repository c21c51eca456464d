-- Grouping by fields: an integration may group what it raises into episodes by the values of
-- some fields of each event (e.g. PagerDuty's `source` and `component`), each episode taking new
-- members for at most `episode_window_seconds` after it opened (no limit when null).
alter table integration add column episode_group_by text[] not null default '{}';
alter table integration add column episode_window_seconds integer check (episode_window_seconds > 0);
