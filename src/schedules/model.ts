/**
 * The shapes of on-call schedules as the pure schedule computation sees them (no SQL, no
 * HTTP). Times are instants (`Date`); wall-clock values ("09:00", weekdays) are read in the
 * schedule's IANA time zone.
 */

export const INTERVAL_TYPES = ['Hour', 'Day', 'Week', 'Month', 'Year'] as const;
export type IntervalType = (typeof INTERVAL_TYPES)[number];

export const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Hand-off every `intervalCount` × `intervalType` (OneUptime's `Recurring` value). */
export interface Rotation {
  readonly intervalType: IntervalType;
  readonly intervalCount: number;
}

/** A wall-clock time of day, "HH:mm" (24 h), in the schedule's time zone. */
export type WallTime = string;

export interface DailyRestriction {
  readonly startTime: WallTime;
  readonly endTime: WallTime;
}

export interface WeeklyRestriction {
  readonly startDay: Weekday;
  readonly endDay: Weekday;
  readonly startTime: WallTime;
  readonly endTime: WallTime;
}

/**
 * When a layer may be on call (OneUptime's `RestrictionTimes`): always, every day between two
 * wall-clock times (an end before the start wraps past midnight), or in weekly windows.
 */
export type Restrictions =
  | { readonly type: 'None' }
  | { readonly type: 'Daily'; readonly daily: DailyRestriction }
  | { readonly type: 'Weekly'; readonly weekly: readonly WeeklyRestriction[] };

export interface Layer {
  readonly id: string;
  readonly name: string;
  /** Priority: a lower order wins where layers overlap. */
  readonly order: number;
  /** The layer has no shifts before this instant. */
  readonly startsAt: Date;
  /** The instant of a hand-off; hand-offs recur every rotation from it, in both directions. */
  readonly handOffTime: Date;
  readonly rotation: Rotation;
  readonly restrictions: Restrictions;
  /** Users in rotation order; the first is on call in the rotation period that starts at `handOffTime`. */
  readonly userIds: readonly string[];
  /**
   * `calendar` (default): rotation periods run on calendar time, restrictions only cut them.
   * `restricted`: only time inside the allowed windows counts towards a rotation period.
   */
  readonly rotationClock?: 'calendar' | 'restricted';
}

/**
 * While it lasts, wherever `overrideUserId` would be on call, `routeAlertsToUserId` is instead.
 * `policyId` null applies to every policy; an override for the asking policy beats a global one.
 */
export interface Override {
  readonly id: string;
  readonly policyId: string | null;
  readonly overrideUserId: string;
  readonly routeAlertsToUserId: string;
  readonly startsAt: Date;
  readonly endsAt: Date;
}

/** Fixed shifts that replace every layer between `startsAt` and `endsAt` (GoAlert's temporary schedules). */
export interface TemporarySchedule {
  readonly id: string;
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly shifts: readonly { readonly userId: string; readonly startsAt: Date; readonly endsAt: Date }[];
}

export interface Schedule {
  readonly id: string;
  /** IANA time zone; required: there is no server-local fallback. */
  readonly timezone: string;
  readonly layers: readonly Layer[];
  readonly overrides: readonly Override[];
  readonly temporarySchedules?: readonly TemporarySchedule[];
}

export type ShiftOrigin =
  | { readonly kind: 'layer'; readonly layerId: string }
  | { readonly kind: 'override'; readonly overrideId: string; readonly replacedUserId: string; readonly layerId: string | null }
  | { readonly kind: 'temporary'; readonly temporaryScheduleId: string }
  | { readonly kind: 'gap' };

/** A stretch of time with one person on call (or nobody: a gap, `userId` null). */
export interface Shift {
  readonly userId: string | null;
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly origin: ShiftOrigin;
}

export interface Window {
  readonly from: Date;
  readonly to: Date;
}
