import { e164, parseField } from './addresses.ts';
import { defineContactResource } from './contact-resource.ts';

/** OneUptime's `user-sms`: a mobile number (E.164) a user gets text messages at, verified with a code sent by SMS. */
export const userSmsResource = defineContactResource({
  name: 'user-sms',
  title: 'User SMS',
  description: 'Numbers users get SMS at (E.164). A new one gets a 6-digit code by SMS; POST /verify with it.',
  table: 'user_sms',
  kind: 'sms',
  address: {
    field: 'phone',
    def: { kind: 'text', description: 'The phone number in E.164 form, e.g. +15551234567', maxLength: 32 },
    normalize: (value, where) => parseField(e164, value, where),
  },
  verifies: true,
});
