import type { Resource } from '../../definition.ts';
import { changeEventResource } from './change-event.ts';
import { domainEventResource } from './domain-event.ts';
import { episodeResource } from './episode.ts';
import { feedResource } from './feed.ts';
import { integrationResource } from './integration.ts';
import { itemResource } from './item.ts';
import { monitorResource } from './monitor.ts';
import { scheduledMaintenanceResource } from './scheduled-maintenance.ts';
import { severityResource } from './severity.ts';

/** Incidents, alerts, episodes, their feeds and severities, and the sources that raise them. */
export const INCIDENT_RESOURCES: readonly Resource[] = [
  itemResource('incident'),
  itemResource('alert'),
  episodeResource('incident-episode'),
  episodeResource('alert-episode'),
  severityResource('incident'),
  severityResource('alert'),
  feedResource('incident'),
  feedResource('alert'),
  feedResource('incident-episode'),
  feedResource('alert-episode'),
  domainEventResource,
  changeEventResource,
  integrationResource,
  monitorResource,
  scheduledMaintenanceResource,
];
