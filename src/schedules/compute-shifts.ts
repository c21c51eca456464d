import { type Piece, applicableOverrides, applyOverrides } from './apply-overrides.ts';
import { type Interval, holes, unionOf } from './intervals.ts';
import { layerPieces } from './layer-pieces.ts';
import { applyTemporarySchedules } from './temporary-schedules.ts';
import type { Schedule, Shift, ShiftOrigin, Window } from './model.ts';
import { timeZone } from './time-zone.ts';
import { InvalidScheduleError, assertValidSchedule } from './validate.ts';

export interface ComputeShiftsOptions {
  /** The policy asking: its own overrides apply besides the global ones (and beat them). Default: global only. */
  readonly policyId?: string | null;
}

/**
 * The final shifts of `schedule` covering exactly [window.from, window.to): ordered,
 * non-overlapping, contiguous; empty when from = to.
 *
 * 1. Each layer is expanded (`layerPieces`: rotation periods from its hand-off in both
 *    directions, users in order, nothing before `startsAt`, cut to its restriction windows in
 *    the schedule's wall-clock time).
 * 2. Where several layers cover an instant, the lowest `order` wins (equal orders: lower id).
 * 3. A temporary schedule replaces all layers during its span (`applyTemporarySchedules`).
 * 4. Overrides apply (`applyOverrides`): global ones, and those of `opts.policyId`, which beat
 *    global ones.
 * 5. Every instant nobody covers is a gap shift (`userId` null, origin `gap`).
 * 6. Adjacent shifts with the same user and the same origin are merged.
 *
 * The result never depends on how the window is cut: the shifts of a window are those of any
 * larger window cut to it (pieces that the cut splits differ only at the seam).
 * Throws `InvalidScheduleError` (400) if the schedule or the window is invalid (from after to).
 */
export function computeShifts(schedule: Schedule, window: Window, opts: ComputeShiftsOptions = {}): Shift[] {
  assertValidSchedule(schedule);
  const from = window.from.getTime();
  const to = window.to.getTime();
  if (Number.isNaN(from) || Number.isNaN(to) || to < from) {
    throw new InvalidScheduleError([{ field: 'to', message: 'the window must be two valid instants, from not after to' }]);
  }
  return computeShiftsUnchecked(schedule, from, to, opts.policyId).map(toShift);
}

/** `computeShifts` without validation, on ms instants, before pieces become `Shift`s. For callers that validated. */
export function computeShiftsUnchecked(
  schedule: Schedule,
  from: number,
  to: number,
  policyId: string | null | undefined,
): Piece[] {
  if (to <= from) return [];
  const zone = timeZone(schedule.timezone);
  const layers = [...schedule.layers].sort((a, b) => a.order - b.order || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  let pieces: Piece[] = [];
  let covered: Interval[] = [];
  for (const layer of layers) {
    const own = layerPieces(layer, zone, from, to);
    if (own.length === 0) continue;
    const open = holes(covered, from, to);
    const origin: ShiftOrigin = { kind: 'layer', layerId: layer.id };
    let h = 0; // the first hole that may still meet a piece (both lists are sorted)
    for (const p of own) {
      while (h < open.length && open[h]!.end <= p.start) h++;
      for (let i = h; i < open.length && open[i]!.start < p.end; i++) {
        pieces.push({ start: Math.max(p.start, open[i]!.start), end: Math.min(p.end, open[i]!.end), userId: p.userId, origin });
      }
    }
    covered = unionOf([...covered, ...own]);
  }
  pieces.sort((a, b) => a.start - b.start);

  const temporary = schedule.temporarySchedules ?? [];
  if (temporary.length > 0) pieces = applyTemporarySchedules(pieces, temporary, from, to);
  pieces = applyOverrides(pieces, applicableOverrides(schedule.overrides, policyId));
  return mergeAdjacent(withGaps(pieces, from, to));
}

function withGaps(pieces: readonly Piece[], from: number, to: number): Piece[] {
  const gaps = holes(pieces, from, to);
  if (gaps.length === 0) return [...pieces];
  const gap: ShiftOrigin = { kind: 'gap' };
  return [...pieces, ...gaps.map((g) => ({ start: g.start, end: g.end, userId: null, origin: gap }))].sort(
    (a, b) => a.start - b.start,
  );
}

/** Whether two origins are the same source (same kind and ids). */
export function sameOrigin(a: ShiftOrigin, b: ShiftOrigin): boolean {
  switch (a.kind) {
    case 'layer':
      return b.kind === 'layer' && a.layerId === b.layerId;
    case 'override':
      return (
        b.kind === 'override' && a.overrideId === b.overrideId && a.replacedUserId === b.replacedUserId && a.layerId === b.layerId
      );
    case 'temporary':
      return b.kind === 'temporary' && a.temporaryScheduleId === b.temporaryScheduleId;
    case 'gap':
      return b.kind === 'gap';
  }
}

function mergeAdjacent(pieces: readonly Piece[]): Piece[] {
  const out: Piece[] = [];
  for (const p of pieces) {
    const last = out[out.length - 1];
    if (last !== undefined && last.end === p.start && last.userId === p.userId && sameOrigin(last.origin, p.origin)) {
      out[out.length - 1] = { ...last, end: p.end };
    } else {
      out.push(p);
    }
  }
  return out;
}

/** A piece as the public `Shift`. */
export function toShift(p: Piece): Shift {
  return { userId: p.userId, startsAt: new Date(p.start), endsAt: new Date(p.end), origin: p.origin };
}
