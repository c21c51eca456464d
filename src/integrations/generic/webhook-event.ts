import { z } from 'zod';
import { parseInbound } from '../parse-inbound.ts';
import { isStorableJson } from '../storable-json.ts';
import { storableString } from '../storable-text.ts';

/** What a generic webhook call can ask for; `trigger` when not given. */
export const GENERIC_ACTIONS = ['trigger', 'acknowledge', 'resolve'] as const;

/** Longest summary (it becomes the title) and dedup key, as PagerDuty allows. */
export const MAX_SUMMARY = 1024;
export const MAX_DEDUP_KEY = 255;
export const MAX_DETAILS = 100_000;

const fields = z
  .object({
    summary: storableString()
      .trim()
      .min(1, { error: 'must not be empty' })
      .max(MAX_SUMMARY, { error: `must be at most ${MAX_SUMMARY} characters` })
      .optional()
      .describe('Title of the alert; required to trigger'),
    details: z
      .union(
        [
          storableString().max(MAX_DETAILS, { error: `must be at most ${MAX_DETAILS} characters` }),
          z.record(z.string(), z.unknown()).refine(isStorableJson, { error: 'must not contain NUL characters or unpaired UTF-16 surrogates' }),
        ],
        { error: 'must be a string or a JSON object' },
      )
      .optional()
      .describe('What happened: text, or a JSON object kept as custom fields'),
    severity: storableString()
      .trim()
      .min(1, { error: 'must not be empty' })
      .max(100, { error: 'must be at most 100 characters' })
      .optional()
      .describe("critical, error, warning, info, or a word the integration's severity map or the project's severities know"),
    dedupKey: storableString()
      .min(1, { error: 'must not be empty' })
      .max(MAX_DEDUP_KEY, { error: `must be at most ${MAX_DEDUP_KEY} characters` })
      .optional()
      .describe('Triggers with the key of an open alert fold into it; required to acknowledge or resolve; generated when absent on trigger'),
    action: z
      .enum(GENERIC_ACTIONS, { error: `must be one of ${GENERIC_ACTIONS.map((a) => `"${a}"`).join(', ')}` })
      .default('trigger')
      .describe('trigger (default), acknowledge or resolve'),
  })
  .strict();

/**
 * A generic webhook event, JSON or form-encoded: `{summary, details, severity, dedupKey,
 * action}`. Unknown fields are refused (a misspelt `action` must not become a trigger).
 */
export const genericEventSchema = fields.superRefine(
  (e, ctx) => {
    if (e.action === 'trigger' && e.summary === undefined) ctx.addIssue({ code: 'custom', path: ['summary'], message: 'is required to trigger' });
    if ((e.action === 'acknowledge' || e.action === 'resolve') && e.dedupKey === undefined) {
      ctx.addIssue({ code: 'custom', path: ['dedupKey'], message: `is required to ${e.action}` });
    }
  },
  // Run even when a field is bad, so one answer names every problem.
  { when: () => true },
);

/** A validated generic webhook event (`action` defaulted to `trigger`). */
export type GenericEvent = z.output<typeof genericEventSchema>;

/** Validates a generic webhook body; throws one 400 `AppError` naming every bad field. */
export function parseGenericEvent(body: unknown): GenericEvent {
  return parseInbound(genericEventSchema, body);
}
