import { defineContactResource } from './contact-resource.ts';

/** OneUptime's `user-email`: an email address a user is paged at, verified with a code sent to it. */
export const userEmailResource = defineContactResource({
  name: 'user-email',
  title: 'User Email',
  description: 'Email addresses users are notified at. A new one gets a 6-digit code by email; POST /verify with it.',
  table: 'user_email',
  kind: 'email',
  address: {
    field: 'email',
    def: { kind: 'email', description: 'The email address', maxLength: 320 },
    normalize: (value) => value.trim(),
  },
  verifies: true,
});
