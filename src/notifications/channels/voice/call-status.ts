import type { StatusChange } from '../twilio/store.ts';

const FAILED = new Set(['busy', 'no-answer', 'failed', 'canceled']);

/**
 * What a call status callback means: completed → `Delivered` (OneUptime's "Success"); busy,
 * no-answer, failed, canceled → `Failed` with the status as the reason; anything else
 * (queued, ringing, in-progress) only updates the provider's status word.
 */
export function callStatusChange(status: string, durationSeconds: string | undefined): StatusChange {
  if (status === 'completed') {
    const took = durationSeconds && /^\d+$/.test(durationSeconds) ? ` after ${durationSeconds} s` : '';
    return { kind: 'delivered', providerStatus: status, message: `Success: the call was answered and completed${took}.` };
  }
  if (FAILED.has(status)) return { kind: 'failed', providerStatus: status, message: `Failed: the call ended ${status}.` };
  return { kind: 'progress', providerStatus: status };
}
