-- An episode's group key is unique among open episodes of the same source (integration, or
-- the API when null), not of the whole project: two Alertmanagers in one project may both
-- send a group with the same groupKey, and each gets its own episode.
drop index alert_episode_open_group_key;
create unique index alert_episode_open_group_key on alert_episode (project_id, integration_id, group_key) nulls not distinct
  where state <> 'Resolved' and group_key is not null;
drop index incident_episode_project_id_group_key_idx;
create unique index incident_episode_open_group_key on incident_episode (project_id, integration_id, group_key) nulls not distinct
  where state <> 'Resolved' and group_key is not null;
