import { z } from 'zod';
import type { SlackBlock } from './blocks.ts';

/** Slack ids as they appear in payloads: upper-case letters and digits (safe inside `<@…>` mrkdwn). */
const slackId = z.string().regex(/^[A-Z0-9]{2,40}$/, { error: 'must be a Slack id' });

/**
 * The parts of a `block_actions` interactivity payload Vigil reads (PROVIDERS.md §2); every
 * other field is allowed and ignored.
 */
export const blockActionsSchema = z
  .object({
    type: z.literal('block_actions'),
    user: z.object({ id: slackId }).loose(),
    container: z.object({ channel_id: slackId, message_ts: z.string().regex(/^\d{1,12}\.\d{1,9}$/, { error: 'must be a message ts' }) }).loose(),
    message: z
      .object({
        text: z.string().max(40_000).optional(),
        blocks: z.array(z.object({ type: z.string() }).loose()).max(100).optional(),
      })
      .loose()
      .optional(),
    actions: z.array(z.object({ action_id: z.string().max(255), value: z.string().max(2000).optional() }).loose()).min(1).max(25),
  })
  .loose();
export type BlockActions = z.infer<typeof blockActionsSchema>;

/** The outcome of reading a form body's `payload`. */
export type ReadPayload =
  | { readonly kind: 'block_actions'; readonly payload: BlockActions }
  /** Valid JSON of another interaction type (shortcuts, view submissions): nothing for Vigil to do. */
  | { readonly kind: 'other'; readonly type: string }
  | { readonly kind: 'invalid'; readonly problem: string };

/** Reads the `payload` field of a form-encoded interactivity body. Never throws. */
export function readPayload(rawBody: string): ReadPayload {
  const json = new URLSearchParams(rawBody).get('payload');
  if (json === null) return { kind: 'invalid', problem: 'payload: is missing' };
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { kind: 'invalid', problem: 'payload: is not valid JSON' };
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { kind: 'invalid', problem: 'payload: must be a JSON object' };
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') return { kind: 'invalid', problem: 'payload.type: is missing' };
  if (type !== 'block_actions') return { kind: 'other', type };
  const parsed = blockActionsSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { kind: 'invalid', problem: `payload.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'is invalid'}` };
  }
  return { kind: 'block_actions', payload: parsed.data };
}

/**
 * The delivery id an unverified body names (its first action's `value`), used only to choose
 * which project's signing secret to try; null when there is none. Never throws.
 */
export function namedDeliveryId(rawBody: string): string | null {
  try {
    const json = new URLSearchParams(rawBody).get('payload');
    if (json === null) return null;
    const value = (JSON.parse(json) as { actions?: Array<{ value?: unknown }> } | null)?.actions?.[0]?.value;
    return isDeliveryId(value) ? value : null;
  } catch {
    return null;
  }
}

/** Whether a button's `value` has the form of a delivery id (a UUID), so it may be looked up. */
export function isDeliveryId(value: unknown): value is string {
  return z.guid().safeParse(value).success;
}

/** The original message's blocks from a payload (as Slack holds them). */
export function messageBlocksOf(payload: BlockActions): SlackBlock[] {
  return (payload.message?.blocks ?? []) as SlackBlock[];
}
