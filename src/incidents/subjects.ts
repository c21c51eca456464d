/** The things that have a lifecycle: incidents, alerts and the episodes that group them. */
export type SubjectType = 'incident' | 'alert' | 'alert-episode' | 'incident-episode';
export type ItemType = 'incident' | 'alert';
export type EpisodeType = 'alert-episode' | 'incident-episode';

export const STATES = ['Created', 'Acknowledged', 'Resolved'] as const;
export type State = (typeof STATES)[number];

export const TABLE: Record<SubjectType, string> = {
  incident: 'incident',
  alert: 'alert',
  'alert-episode': 'alert_episode',
  'incident-episode': 'incident_episode',
};

/** The episode type that groups an item type, and the reverse. */
export const EPISODE_OF: Record<ItemType, EpisodeType> = { alert: 'alert-episode', incident: 'incident-episode' };
export const MEMBERS_OF: Record<EpisodeType, ItemType> = { 'alert-episode': 'alert', 'incident-episode': 'incident' };

export function isEpisode(t: SubjectType): t is EpisodeType {
  return t === 'alert-episode' || t === 'incident-episode';
}

/** `incident-episode` → `incident_episode`, for event names such as `incident_episode.resolved`. */
export function eventPrefix(t: SubjectType): string {
  return t.replace('-', '_');
}

/** Human name for messages. */
export function label(t: SubjectType): string {
  return { incident: 'Incident', alert: 'Alert', 'alert-episode': 'Alert episode', 'incident-episode': 'Incident episode' }[t];
}
