import { hostname, parseField } from '../contacts/addresses.ts';
import { compact, defineProviderResource } from './provider-resource.ts';

/**
 * The project's own SMTP server (OneUptime's `smtp-config`), used instead of the installation's
 * for its email. `password` is write-only (sealed; reads show `hasPassword`). Port defaults to
 * 587 (465 with `secure`, TLS from connect).
 */
export const smtpConfigResource = defineProviderResource({
  name: 'smtp-config',
  title: 'SMTP Config',
  description: 'The SMTP server this project sends email through. The password is write-only; reads show hasPassword.',
  view: 'smtp_config',
  provider: 'smtp',
  columns: {
    hostname: { kind: 'text', description: 'Host name or IP address of the SMTP server', required: true, update: true, maxLength: 253 },
    port: { kind: 'integer', description: 'Port (1–65535; default 587, or 465 with secure)', create: true, update: true, min: 1, max: 65_535 },
    username: { kind: 'text', description: 'User name to log in with', create: true, update: true, maxLength: 500 },
    password: { kind: 'text', description: 'Password to log in with (write-only: stored sealed, never returned)', create: true, update: true, read: false, maxLength: 1000 },
    fromEmail: { kind: 'email', column: 'from_email', description: 'The From address', required: true, update: true, maxLength: 320 },
    fromName: { kind: 'text', column: 'from_name', description: 'The From name (default Vigil)', create: true, update: true, maxLength: 200 },
    secure: { kind: 'boolean', description: 'TLS from connect (port 465); otherwise STARTTLS when offered', create: true, update: true },
    hasPassword: { kind: 'boolean', column: 'has_password', description: 'Whether a password is stored (read-only)' },
  },
  secrets: { password: 'password' },
  settingsOf(m) {
    const secure = m.secure === true;
    return compact({
      hostname: parseField(hostname, m.hostname, 'data.hostname'),
      port: typeof m.port === 'number' ? m.port : secure ? 465 : 587,
      username: m.username,
      fromEmail: m.fromEmail,
      fromName: m.fromName,
      secure,
    });
  },
});
