import { defineContactResource } from './contact-resource.ts';

/** Device types, OneUptime's `PushDeviceType`. */
export const PUSH_DEVICE_TYPES = ['web', 'ios', 'android'] as const;

/**
 * OneUptime's `user-push`: an in-app device of a user (Vigil's live in-app feed). Registering it
 * is done by the user's own app, so it is verified on creation, as in OneUptime.
 */
export const userPushResource = defineContactResource({
  name: 'user-push',
  title: 'User Push',
  description: 'In-app devices users are notified on (the live in-app feed). Verified on registration.',
  table: 'user_push',
  kind: 'push',
  address: {
    field: 'deviceName',
    def: { kind: 'text', description: 'A name for the device, e.g. "Ana\'s phone"', maxLength: 200 },
    normalize: (value) => value.trim(),
  },
  plain: {
    deviceType: { kind: 'enum', column: 'device_type', description: 'The kind of device: web, ios or android', values: PUSH_DEVICE_TYPES, create: true, update: true },
  },
  verifies: false,
});
