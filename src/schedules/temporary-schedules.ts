import type { Piece } from './apply-overrides.ts';
import { type Interval, holes, intersect, unionOf } from './intervals.ts';
import type { TemporarySchedule } from './model.ts';

/**
 * `layerPieces` (sorted, disjoint) with every temporary schedule's span [startsAt, endsAt)
 * taken over by that schedule's own shifts (cut to its span and to [from, to)); time in a span
 * that none of its shifts covers is left uncovered (a gap), never filled from the layers.
 *
 * Precondition: valid temporary schedules (`validateSchedule`: spans do not overlap, shifts lie
 * in their span and do not overlap).
 */
export function applyTemporarySchedules(
  layerPieces: readonly Piece[],
  temporary: readonly TemporarySchedule[],
  from: number,
  to: number,
): Piece[] {
  if (temporary.length === 0) return [...layerPieces];
  const spans = unionOf(temporary.map((t) => ({ start: t.startsAt.getTime(), end: t.endsAt.getTime() })));
  const outside = holes(spans, from, to);
  const out: Piece[] = [];
  for (const p of layerPieces) {
    for (const part of intersect([p], outside)) out.push({ ...p, start: part.start, end: part.end });
  }
  for (const t of temporary) {
    const span: Interval[] = [{ start: Math.max(from, t.startsAt.getTime()), end: Math.min(to, t.endsAt.getTime()) }];
    for (const s of t.shifts) {
      for (const part of intersect([{ start: s.startsAt.getTime(), end: s.endsAt.getTime() }], span)) {
        out.push({ ...part, userId: s.userId, origin: { kind: 'temporary', temporaryScheduleId: t.id } });
      }
    }
  }
  return out.sort((a, b) => a.start - b.start);
}
