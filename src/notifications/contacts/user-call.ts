import { e164, parseField } from './addresses.ts';
import { defineContactResource } from './contact-resource.ts';

/** OneUptime's `user-call`: a number (E.164) a user is called at, verified with a code read out in a call. */
export const userCallResource = defineContactResource({
  name: 'user-call',
  title: 'User Call',
  description: 'Numbers users are called at (E.164). A new one gets a call that reads a 6-digit code; POST /verify with it.',
  table: 'user_call',
  kind: 'call',
  address: {
    field: 'phone',
    def: { kind: 'text', description: 'The phone number in E.164 form, e.g. +15551234567', maxLength: 32 },
    normalize: (value, where) => parseField(e164, value, where),
  },
  verifies: true,
});
