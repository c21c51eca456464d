import type { InboundEvent, InboundTrigger } from '../ingest.ts';
import type { AlertmanagerAlert, AlertmanagerWebhook } from './webhook.ts';

/** Longest title and description kept (the alert resource's limits); the full text stays in custom fields. */
const MAX_TITLE = 1024;
const MAX_DESCRIPTION = 100_000;

/**
 * The events one notification carries, in its order. Each alert is tracked by its
 * fingerprint (the dedup key): a firing alert triggers (or folds into the open alert,
 * unless that alert already has this `startsAt`: a redelivery), a resolved one resolves.
 * Every trigger joins the episode keyed by the notification's `groupKey`.
 * `truncatedAlerts` is not recorded: it counts alerts Alertmanager left out, without
 * naming them, so there is nothing to track.
 */
export function alertmanagerEvents(w: AlertmanagerWebhook): InboundEvent[] {
  const episode = { groupKey: w.groupKey, title: episodeTitle(w) };
  return w.alerts.map((a): InboundEvent =>
    a.status === 'resolved' ? { action: 'resolve', dedupKey: a.fingerprint } : { action: 'trigger', trigger: toTrigger(w, a, episode) },
  );
}

function toTrigger(w: AlertmanagerWebhook, a: AlertmanagerAlert, episode: InboundTrigger['episode']): InboundTrigger {
  const description = a.annotations.description;
  return {
    dedupKey: a.fingerprint,
    title: clip(alertTitle(a), MAX_TITLE),
    description: description ? clip(description, MAX_DESCRIPTION) : null,
    severity: a.labels.severity ?? null,
    customFields: {
      labels: a.labels,
      annotations: a.annotations,
      generatorURL: a.generatorURL,
      startsAt: a.startsAt,
      endsAt: a.endsAt,
      fingerprint: a.fingerprint,
      receiver: w.receiver ?? null,
      externalURL: w.externalURL ?? null,
    },
    links: a.generatorURL ? [{ href: a.generatorURL, text: 'Source' }] : [],
    episode,
    occurrence: { startsAt: a.startsAt },
  };
}

/** `annotations.summary`, else `alertname on instance`, else the fingerprint. */
function alertTitle(a: AlertmanagerAlert): string {
  const summary = a.annotations.summary?.trim();
  if (summary) return summary;
  const name = a.labels.alertname?.trim();
  const instance = a.labels.instance?.trim();
  if (name) return instance ? `${name} on ${instance}` : name;
  return `Alertmanager alert ${a.fingerprint}`;
}

/** `commonLabels.alertname`, else the group labels (`a=x, b=y`), else the receiver. */
function episodeTitle(w: AlertmanagerWebhook): string {
  const name = w.commonLabels?.alertname?.trim();
  if (name) return clip(name, MAX_TITLE);
  const group = Object.entries(w.groupLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  if (group) return clip(group, MAX_TITLE);
  return clip(`Alertmanager group${w.receiver ? ` for ${w.receiver}` : ''}`, MAX_TITLE);
}

/** At most `max` UTF-16 units, never splitting a surrogate pair. */
function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  const head = s.slice(0, max - 1);
  return `${/[\uD800-\uDBFF]$/.test(head) ? head.slice(0, -1) : head}…`;
}
