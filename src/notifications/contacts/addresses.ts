import { z } from 'zod';
import { invalidField } from '../../errors.ts';

/** An E.164 number: `+`, a country code and up to 15 digits. Spaces, dashes, dots and brackets are dropped first. */
export const e164 = z
  .string()
  .transform((s) => s.replace(/[\s().-]/g, ''))
  .pipe(z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be a phone number in E.164 form, e.g. +15551234567'));

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function parsedUrl(s: string): URL | null {
  try {
    return new URL(s);
  } catch {
    return null;
  }
}

/** An absolute http:// or https:// URL without credentials in it. */
export const httpUrl = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  .refine((s) => {
    const u = parsedUrl(s);
    return u !== null && (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  }, 'must be an absolute http:// or https:// URL')
  .refine((s) => {
    const u = parsedUrl(s);
    return u === null || (u.username === '' && u.password === '');
  }, 'must not carry a user name or password');

/** A Microsoft Teams Workflows URL: https (plain http only to a loopback address, for local testing). */
export const teamsWorkflowUrl = httpUrl.refine((s) => {
  const u = parsedUrl(s);
  return u !== null && (u.protocol === 'https:' || LOOPBACK_HOSTS.has(u.hostname));
}, 'must be an https:// Workflows URL');

/** A Slack conversation id: a channel (C…), a private group (G…), a DM (D…) or a member (U…/W…) to message directly. */
export const slackChannelId = z.string().regex(/^[CDGUW][A-Z0-9]{2,}$/, 'must be a Slack channel or member ID, e.g. C0123ABCD or U0123ABCD');

/** A Twilio account SID: `AC` and letters or digits (Twilio's own are 32 hex digits). */
export const twilioAccountSid = z.string().regex(/^AC[0-9A-Za-z]{6,64}$/, 'must be a Twilio account SID (AC followed by letters and digits)');

/** A host name or IP address for SMTP. */
export const hostname = z
  .string()
  .min(1, 'must not be empty')
  .max(253, 'must be at most 253 characters')
  .regex(/^[A-Za-z0-9.:[\]-]+$/, 'must be a host name or IP address');

/** Parses `value` with `schema`; a failure is a 400 naming `field` and the first problem. */
export function parseField<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw invalidField(field, issue?.code === 'invalid_type' ? 'must be a string' : (issue?.message ?? 'is invalid'));
}

/** A phone number shown without most of its digits: `+1•••••1234`. */
export function maskPhone(phone: string): string {
  if (phone.length < 7) return '•••••';
  return `${phone.slice(0, 2)}•••••${phone.slice(-4)}`;
}
