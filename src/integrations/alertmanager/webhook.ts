import { z } from 'zod';
import { parseInbound } from '../parse-inbound.ts';
import { storableString } from '../storable-text.ts';

/** Labels or annotations: names to values, both strings. */
const labelSet = z.record(storableString(), storableString());

/** Go's RFC 3339 timestamps, nanoseconds and offsets included (firing alerts end at 0001-01-01T00:00:00Z). */
const timestamp = z.iso.datetime({ offset: true, error: 'must be an RFC 3339 date-time, e.g. 2026-01-05T09:00:00Z' });

const status = z.enum(['firing', 'resolved']);

const alertSchema = z.object({
  status,
  labels: labelSet,
  annotations: labelSet,
  startsAt: timestamp,
  endsAt: timestamp,
  generatorURL: storableString(),
  fingerprint: storableString().min(1, { error: 'must not be empty' }).max(255, { error: 'must be at most 255 characters' }),
});

/** The body of an Alertmanager webhook notification, version 4. Unknown fields are ignored. */
export const alertmanagerWebhookSchema = z.object({
  version: z.literal('4', { error: 'must be "4" (Alertmanager webhook version 4)' }),
  groupKey: storableString().min(1, { error: 'must not be empty' }),
  truncatedAlerts: z.number().int().min(0, { error: 'must be a whole number, 0 or more' }).optional(),
  status,
  receiver: storableString().optional(),
  groupLabels: labelSet.optional(),
  commonLabels: labelSet.optional(),
  commonAnnotations: labelSet.optional(),
  externalURL: storableString().optional(),
  alerts: z.array(alertSchema).min(1, { error: 'must contain at least one alert' }),
});

/** A validated notification: `version` "4", `groupKey`, `status`, `alerts` and the optional group fields. */
export type AlertmanagerWebhook = z.output<typeof alertmanagerWebhookSchema>;
/** One alert of a notification, tracked by its `fingerprint`. */
export type AlertmanagerAlert = z.output<typeof alertSchema>;

/**
 * Validates a webhook body and returns it typed. Throws one 400 `AppError` naming every
 * bad field (`alerts[1].fingerprint: is required; version: must be "4" ...`).
 */
export function parseAlertmanagerWebhook(body: unknown): AlertmanagerWebhook {
  return parseInbound(alertmanagerWebhookSchema, body);
}
