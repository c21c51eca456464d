import { LEVELS, type Level, type ThresholdSettings } from './policy.ts';

/** A level and the instant it is due. */
export interface DueLevel {
  readonly level: Level;
  readonly at: Date;
}

function present(settings: ThresholdSettings): Level[] {
  return LEVELS.filter((l) => settings[l] !== undefined);
}

/** Whether the settings have any level at all (a condition without levels is not watched). */
export function hasLevels(settings: ThresholdSettings): boolean {
  return present(settings).length > 0;
}

function secondsAfter(settings: ThresholdSettings, level: Level): number {
  return level === 'L0' ? 0 : (settings[level]?.TimeAfter ?? 0);
}

/**
 * The first level of a breach. L0 is due at the breach itself. Without L0, the first level
 * present is due its own `TimeAfter` after the breach (the breach stands in for the missing
 * L0). Null when the settings have no level.
 */
export function firstLevel(settings: ThresholdSettings, breachedAt: Date): DueLevel | null {
  const first = present(settings)[0];
  if (!first) return null;
  return { level: first, at: new Date(breachedAt.getTime() + secondsAfter(settings, first) * 1000) };
}

/**
 * The level after `level`, due its `TimeAfter` after the instant `level` was due (not when it
 * actually ran, so a late run does not push later levels back). A missing intermediate level
 * is skipped: `TimeAfter` counts from the previous level that is present. Null after the last.
 */
export function nextLevel(settings: ThresholdSettings, level: Level, dueAt: Date): DueLevel | null {
  const next = present(settings).find((l) => LEVELS.indexOf(l) > LEVELS.indexOf(level));
  if (!next) return null;
  return { level: next, at: new Date(dueAt.getTime() + secondsAfter(settings, next) * 1000) };
}

/** Every level of a breach with its due instant, as `firstLevel` and `nextLevel` chain them. */
export function levelSchedule(settings: ThresholdSettings, breachedAt: Date): DueLevel[] {
  const out: DueLevel[] = [];
  for (let d = firstLevel(settings, breachedAt); d; d = nextLevel(settings, d.level, d.at)) out.push(d);
  return out;
}
