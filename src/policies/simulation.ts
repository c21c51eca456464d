import type { MethodStep } from './model.ts';
import type { PersonTarget, RuleTarget } from './targets.ts';

const MINUTE = 60_000;

/** An escalation rule as the simulation walks it (a `RuleInfo` fits). */
export interface SimulatedRule {
  readonly id: string;
  readonly name: string;
  readonly order: number;
  readonly escalateAfterInMinutes: number;
  /** The rule's channel order; null: each user's personal notification rules decide. */
  readonly notificationMethods: readonly MethodStep[] | null;
}

/**
 * Who a rule's targets come to at an instant. The simulator of stored policies passes the very
 * function the runs use (`resolveRuleTargets`), so a simulation and a run cannot disagree.
 */
export type ResolveTargets = (rule: SimulatedRule, at: Date) => Promise<readonly RuleTarget[]>;

export interface SimulationInput {
  /** When the run would start (its first rule runs then). */
  readonly from: Date;
  /** The walk stops before any step due after this instant (inclusive bound). */
  readonly until: Date;
  /** The policy's rules in run order (ascending `order`). */
  readonly rules: readonly SimulatedRule[];
  /** How many times the walk starts again from the first rule after the last (0: it runs once). */
  readonly repeats: number;
  /** The runs' re-check of a rule that reached nobody because a schedule had nobody on call. */
  readonly recheck: { readonly intervalMs: number; readonly maxAttempts: number };
  /** At most this many rule runs are simulated (the rest is cut off, `truncated`). */
  readonly maxRuleRuns: number;
  /** How a schedule is named in skip texts; default `schedule <id>`. */
  readonly scheduleLabel?: (scheduleId: string) => string;
}

/** How a user was reached: directly, as a member of a team, or being on call in a schedule (maybe standing in for someone). */
export interface Via {
  readonly kind: 'user' | 'team' | 'schedule';
  readonly teamId?: string;
  readonly scheduleId?: string;
  /** The user an override replaced with this one. */
  readonly overriddenUserId?: string;
}

/** `personal`: the user's personal notification rules decide. */
export type SimulatedMethod = MethodStep['method'] | 'personal';

/** Fields every timeline entry has. `repeat` is the pass, 1-based, as the runs count it. */
interface EntryBase {
  readonly at: string;
  readonly ruleOrder: number;
  readonly ruleId: string;
  readonly ruleName: string;
  readonly repeat: number;
  /** Set when the entry comes from the re-check number `recheck` of a rule that reached nobody. */
  readonly recheck?: number;
}

/** A user who would be paged at `at`, and over which methods when. */
export interface NotifyEntry extends EntryBase {
  readonly kind: 'notify';
  readonly userId: string;
  readonly via: Via;
  readonly methods: readonly { readonly method: SimulatedMethod; readonly at: string }[];
  readonly note?: string;
}

/**
 * Why a target (or the whole rule) reached nobody:
 * - `schedule-gap`: nobody on call in a schedule;
 * - `empty-team`: a team without members;
 * - `duplicate`: a user already paged by an earlier target of the same rule;
 * - `not-member`: a user no longer in the project;
 * - `no-one-reached`: the rule as a whole reached nobody.
 */
export type SkipReason = 'schedule-gap' | 'empty-team' | 'duplicate' | 'not-member' | 'no-one-reached';

export interface SkipEntry extends EntryBase {
  readonly kind: 'skip';
  readonly reason: SkipReason;
  /** Human-readable, e.g. "nobody on call in schedule Primary". */
  readonly skipped: string;
  readonly scheduleId?: string;
  readonly teamId?: string;
  readonly userId?: string;
  readonly via?: Via;
}

export type SimulationEntry = NotifyEntry | SkipEntry;

/** When one rule would run in one pass (as the walk goes, before the horizon). */
export interface RuleRunTime {
  readonly ruleId: string;
  readonly repeat: number;
  readonly at: string;
}

export interface SimulationResult {
  /** In time order (entries of one instant in the order the run would write them). */
  readonly entries: readonly SimulationEntry[];
  /** When the run would end if nobody acknowledges (after the last rule of the last pass and its wait); `from` without rules. */
  readonly completesAt: string;
  /** Passes over the rules: `repeats + 1`, or 0 without rules. */
  readonly passes: number;
  /** Every rule run the walk simulated. */
  readonly ruleRuns: readonly RuleRunTime[];
  /** True when the horizon or the run limit cut the walk before the run would end. */
  readonly truncated: boolean;
}

/** Text of the note on entries paged through personal notification rules. */
export const PERSONAL_NOTE =
  "Sent through the user's personal notification rules (user notification rules), which arrive in a later release; " +
  'until then the time shown is when the page is requested, before any personal delay.';

/**
 * Walks a policy as a run would if nobody acknowledged: the rules in order, each
 * `escalateAfterInMinutes` after the previous, again from the first for each repeat; each rule's
 * targets resolved at the instant it would run; a rule that reached nobody because a schedule
 * had nobody on call re-checked every `recheck.intervalMs` while the next step is not due, as
 * the runs do. Pure apart from `resolve`; writes nothing. Never throws unless `resolve` does.
 */
export async function simulateEscalation(input: SimulationInput, resolve: ResolveTargets): Promise<SimulationResult> {
  const label = input.scheduleLabel ?? ((id: string) => `schedule ${id}`);
  const from = input.from.getTime();
  const until = input.until.getTime();
  const passes = input.rules.length === 0 ? 0 : Math.max(0, Math.floor(input.repeats)) + 1;
  const passMinutes = input.rules.reduce((sum, r) => sum + r.escalateAfterInMinutes, 0);
  const completesAt = new Date(from + passes * passMinutes * MINUTE).toISOString();

  const entries: SimulationEntry[] = [];
  const ruleRuns: RuleRunTime[] = [];
  let truncated = false;
  let t = from;
  walk: for (let repeat = 1; repeat <= passes; repeat += 1) {
    for (const rule of input.rules) {
      if (t > until || ruleRuns.length >= input.maxRuleRuns) {
        truncated = true;
        break walk;
      }
      ruleRuns.push({ ruleId: rule.id, repeat, at: iso(t) });
      const base = { ruleOrder: rule.order, ruleId: rule.id, ruleName: rule.name, repeat };
      const targets = await resolve(rule, new Date(t));
      entries.push(...targetEntries(targets, rule, { ...base, at: iso(t) }, t, label));
      const nextAt = t + rule.escalateAfterInMinutes * MINUTE;
      if (!targets.some((x) => x.kind === 'notify')) {
        const gap = targets.some((x) => x.kind === 'schedule-gap');
        const recheck = gap && t + input.recheck.intervalMs < nextAt;
        entries.push({
          kind: 'skip',
          ...base,
          at: iso(t),
          reason: 'no-one-reached',
          skipped: recheck
            ? `no one reached by this rule yet: nobody on call in its schedule; re-checked every ${minutes(input.recheck.intervalMs)} until the next step at ${iso(nextAt)}`
            : gap
              ? 'no one reached by this rule: nobody on call in its schedule'
              : 'no one reached by this rule: it has no users to page',
        });
        if (recheck) {
          for (let attempt = 1; ; attempt += 1) {
            const at = t + attempt * input.recheck.intervalMs;
            if (at > until) {
              truncated = true;
              break;
            }
            const again = await resolve(rule, new Date(at));
            if (again.some((x) => x.kind === 'notify')) {
              entries.push(...targetEntries(again, rule, { ...base, at: iso(at), recheck: attempt }, at, label));
              break;
            }
            if (at + input.recheck.intervalMs < nextAt && attempt < input.recheck.maxAttempts) continue;
            entries.push({
              kind: 'skip',
              ...base,
              at: iso(at),
              recheck: attempt,
              reason: 'no-one-reached',
              skipped: `no one reached by this rule: nobody was on call in its schedule at any of ${attempt} re-check(s) before the next step`,
            });
            break;
          }
        }
      }
      t = nextAt;
    }
  }
  return { entries, completesAt, passes, ruleRuns, truncated };
}

function targetEntries(
  targets: readonly RuleTarget[],
  rule: SimulatedRule,
  base: EntryBase,
  t: number,
  label: (scheduleId: string) => string,
): SimulationEntry[] {
  return targets.map((target): SimulationEntry => {
    switch (target.kind) {
      case 'notify':
        return {
          kind: 'notify',
          ...base,
          userId: target.userId,
          via: viaOf(target),
          ...(rule.notificationMethods
            ? { methods: rule.notificationMethods.map((m) => ({ method: m.method, at: iso(t + m.afterMinutes * MINUTE) })) }
            : { methods: [{ method: 'personal' as const, at: iso(t) }], note: PERSONAL_NOTE }),
        };
      case 'duplicate':
        return { kind: 'skip', ...base, reason: 'duplicate', skipped: 'already paged by an earlier target of this rule', userId: target.userId, via: viaOf(target) };
      case 'not-member':
        return { kind: 'skip', ...base, reason: 'not-member', skipped: 'this user is not a member of the project', userId: target.userId, via: viaOf(target) };
      case 'schedule-gap':
        return { kind: 'skip', ...base, reason: 'schedule-gap', skipped: `nobody on call in ${label(target.scheduleId)}`, scheduleId: target.scheduleId };
      case 'empty-team':
        return { kind: 'skip', ...base, reason: 'empty-team', skipped: 'this team has no members', teamId: target.teamId };
    }
  });
}

/** How a person target was reached, with only the ids that apply. */
export function viaOf(t: PersonTarget): Via {
  const kind = t.scheduleId ? 'schedule' : t.teamId ? 'team' : 'user';
  return {
    kind,
    ...(t.teamId ? { teamId: t.teamId } : {}),
    ...(t.scheduleId ? { scheduleId: t.scheduleId } : {}),
    ...(t.overriddenUserId ? { overriddenUserId: t.overriddenUserId } : {}),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function minutes(ms: number): string {
  return ms === MINUTE ? 'minute' : `${ms / MINUTE} minutes`;
}
