import { sql } from 'kysely';
import type { Db } from '../../storage/database.ts';
import type { ContactKind } from '../model.ts';
import type { ProviderSettings } from '../providers/settings.ts';
import { maskPhone } from './addresses.ts';

/** One contact method of a user, and whether a page can go out over it now. */
export interface ReadinessMethod {
  readonly _id: string;
  readonly kind: ContactKind;
  /** Where it goes; phone numbers masked (`+1•••••1234`), webhook URLs without their query. */
  readonly address: string;
  readonly isVerified: boolean;
  readonly isDisabled: boolean;
  /** Whether the provider it needs is configured (SMTP for email, Twilio for SMS and calls, Slack for Slack). */
  readonly providerConfigured: boolean;
  /** Verified, not switched off, and its provider configured. */
  readonly usable: boolean;
}

/**
 * Whether a user can be woken by a page: `ready` when at least one usable method other than an
 * in-app device exists (in-app reaches only an open app), or, for a user with no notification
 * rules, when the account-email fallback can go out (SMTP configured, fallback not turned off).
 * `reasons` says what is missing.
 */
export interface Readiness {
  readonly userId: string;
  readonly ready: boolean;
  readonly methods: readonly ReadinessMethod[];
  readonly reasons: readonly string[];
}

const LABEL: Readonly<Record<ContactKind, string>> = {
  email: 'Email',
  sms: 'SMS',
  call: 'Voice call',
  push: 'In-app device',
  webhook: 'Webhook',
  slack: 'Slack',
  teams: 'Microsoft Teams',
};

/** Whether the provider a kind of contact method needs is configured; webhooks, Teams and in-app need none. */
export function providerConfigured(kind: ContactKind, p: ProviderSettings): { ok: boolean; provider: string | null } {
  if (kind === 'email') return { ok: p.smtp !== null, provider: 'SMTP' };
  if (kind === 'sms' || kind === 'call') return { ok: p.twilio !== null, provider: 'Twilio' };
  if (kind === 'slack') return { ok: p.slack !== null, provider: 'Slack' };
  return { ok: true, provider: null };
}

function shownAddress(kind: ContactKind, address: string): string {
  if (kind === 'sms' || kind === 'call') return maskPhone(address);
  if (kind === 'webhook') {
    try {
      const u = new URL(address);
      return `${u.origin}${u.pathname}`;
    } catch {
      return address;
    }
  }
  return address;
}

interface ContactRow {
  id: string;
  user_id: string;
  kind: ContactKind;
  address: string;
  is_verified: boolean;
  is_disabled: boolean;
}

/**
 * The readiness of each of `userIds` in a project, under the project's provider settings.
 * Reads only; users missing from the answer's map never happen (every id gets an entry).
 */
export async function notificationReadiness(
  db: Db,
  providers: ProviderSettings,
  projectId: string,
  userIds: readonly string[],
): Promise<Map<string, Readiness>> {
  const out = new Map<string, Readiness>();
  if (userIds.length === 0) return out;
  const ids = [...new Set(userIds)];
  const [contacts, rules, project] = await Promise.all([
    sql<ContactRow>`select id, user_id, kind, address, is_verified, is_disabled from contact_method
      where project_id = ${projectId} and user_id = any(${ids}::uuid[]) order by created_at, id`.execute(db),
    sql<{ user_id: string; n: number }>`select user_id, count(*)::int as n from user_notification_rule
      where project_id = ${projectId} and user_id = any(${ids}::uuid[]) and not is_opt_out group by user_id`.execute(db),
    sql<{ off: boolean }>`select disable_on_call_notification_fallback as off from project where id = ${projectId}`.execute(db),
  ]);
  const fallbackOff = project.rows[0]?.off === true;
  const ruleCount = new Map(rules.rows.map((r) => [r.user_id, r.n]));
  for (const userId of ids) {
    const reasons: string[] = [];
    const methods = contacts.rows
      .filter((c) => c.user_id === userId)
      .map((c): ReadinessMethod => {
        const p = providerConfigured(c.kind, providers);
        const address = shownAddress(c.kind, c.address);
        const what = `${LABEL[c.kind]} ${address}`;
        if (!c.is_verified) reasons.push(`${what} is not verified`);
        if (c.is_disabled) reasons.push(`${what} is switched off by its owner`);
        if (!p.ok) reasons.push(`${what} cannot be used: ${p.provider} is not configured for this project`);
        return {
          _id: c.id,
          kind: c.kind,
          address,
          isVerified: c.is_verified,
          isDisabled: c.is_disabled,
          providerConfigured: p.ok,
          usable: c.is_verified && !c.is_disabled && p.ok,
        };
      });
    let ready = methods.some((m) => m.usable && m.kind !== 'push');
    if (!ready) {
      const hasRules = (ruleCount.get(userId) ?? 0) > 0;
      const fallback = !hasRules && !fallbackOff && providers.smtp !== null;
      if (fallback) {
        ready = true;
        reasons.push('No notification rules: pages go to the account email address (the email fallback)');
      } else {
        if (methods.length === 0) reasons.unshift('No contact method: add an email address, phone number, webhook or workspace destination');
        reasons.unshift('No usable contact method that can wake this user (an in-app device reaches only an open app)');
        if (!hasRules && fallbackOff) reasons.push('No notification rules, and the project turned the email fallback off');
        else if (!hasRules) reasons.push('No notification rules, and the email fallback needs SMTP, which is not configured');
      }
    }
    out.set(userId, { userId, ready, methods, reasons });
  }
  return out;
}
