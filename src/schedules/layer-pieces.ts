import { allowedWindows } from './allowed-windows.ts';
import type { Interval } from './intervals.ts';
import type { Layer } from './model.ts';
import { rotationPeriods } from './rotation-periods.ts';
import type { TimeZone } from './time-zone.ts';

/** A stretch of one layer: `userId` may be on call from that layer during [start, end). */
export interface LayerPiece extends Interval {
  readonly userId: string;
}

/**
 * The stretches of [from, to) during which `layer` puts someone on call, in order: rotation
 * periods (see `rotationPeriods`) cut to the allowed windows (`allowedWindows`) and to
 * `layer.startsAt`. Period k goes to `userIds[k mod n]` with the `calendar` rotation clock; with
 * the `restricted` clock, a period without any allowed time does not count, so the index of
 * period k is the number of periods with allowed time from period 0 up to k (negative before
 * it), and the first period at or after the hand-off with allowed time goes to `userIds[0]`.
 * The answer depends only on the layer, never on the window asked (pieces of a window are the
 * pieces of any larger window, cut to it).
 *
 * Precondition: a valid layer (`validateLayer`). A layer with no users has no pieces.
 */
export function layerPieces(layer: Layer, zone: TimeZone, from: number, to: number): LayerPiece[] {
  const users = layer.userIds;
  const n = users.length;
  const rangeStart = Math.max(from, layer.startsAt.getTime());
  if (n === 0 || rangeStart >= to) return [];
  const periods = rotationPeriods(layer.rotation, layer.handOffTime.getTime(), zone);
  const kFirst = periods.periodAt(rangeStart);
  const kLast = periods.periodAt(to - 1);
  const allowed = allowedWindows(layer.restrictions, zone, rangeStart, to);
  const restricted = layer.rotationClock === 'restricted' && layer.restrictions.type !== 'None';
  const indexOf = restricted ? restrictedIndexes(layer, zone, periods, kFirst, kLast) : (k: number) => k;

  const out: LayerPiece[] = [];
  let next = periods.boundary(kFirst);
  let w = 0; // the first allowed window that may still meet a period
  for (let k = kFirst; k <= kLast; k++) {
    const start = Math.max(next, rangeStart);
    next = periods.boundary(k + 1);
    const end = Math.min(next, to);
    while (w < allowed.length && allowed[w]!.end <= start) w++;
    let userId: string | undefined;
    for (let i = w; i < allowed.length && allowed[i]!.start < end; i++) {
      userId ??= users[(((indexOf(k) % n) + n) % n)]!;
      out.push({ start: Math.max(start, allowed[i]!.start), end: Math.min(end, allowed[i]!.end), userId });
    }
  }
  return out;
}

/**
 * The rotation index of periods kFirst..kLast under the restricted clock: the number of
 * periods with allowed time in [0, k), or minus that number in [k, 0).
 */
function restrictedIndexes(
  layer: Layer,
  zone: TimeZone,
  periods: ReturnType<typeof rotationPeriods>,
  kFirst: number,
  kLast: number,
): (k: number) => number {
  const kMin = Math.min(0, kFirst);
  const kMax = Math.max(0, kLast);
  const allowed = allowedWindows(layer.restrictions, zone, periods.boundary(kMin), periods.boundary(kMax + 1));
  const counts = new Map<number, number>();
  let count = 0;
  let atZero = 0;
  let w = 0;
  let start = periods.boundary(kMin);
  for (let k = kMin; k <= kMax; k++) {
    if (k === 0) atZero = count;
    if (k >= kFirst) counts.set(k, count);
    const end = periods.boundary(k + 1);
    while (w < allowed.length && allowed[w]!.end <= start) w++;
    const window = allowed[w];
    if (window !== undefined && window.start < end) count++;
    start = end;
  }
  return (k) => counts.get(k)! - atZero;
}
