import type { Override, ShiftOrigin } from './model.ts';

/** A stretch of the final schedule before it becomes a `Shift` (instants as ms). */
export interface Piece {
  readonly start: number;
  readonly end: number;
  readonly userId: string | null;
  readonly origin: ShiftOrigin;
}

/**
 * The overrides that apply to a schedule asked about on behalf of `policyId`: the global ones
 * (policyId null) and, when a policy asks, that policy's own. Grouped by the user they replace.
 */
export function applicableOverrides(
  overrides: readonly Override[],
  policyId: string | null | undefined,
): Map<string, Override[]> {
  const byUser = new Map<string, Override[]>();
  for (const o of overrides) {
    if (o.policyId !== null && (policyId == null || o.policyId !== policyId)) continue;
    let list = byUser.get(o.overrideUserId);
    if (list === undefined) byUser.set(o.overrideUserId, (list = []));
    list.push(o);
  }
  return byUser;
}

/**
 * Whether override `a` beats override `b` where both cover an instant: a policy's own override
 * beats a global one; then the one that starts later (the more specific arrangement); then the
 * lower id (so the answer never depends on input order).
 */
function beats(a: Override, b: Override): boolean {
  if ((a.policyId !== null) !== (b.policyId !== null)) return a.policyId !== null;
  const sa = a.startsAt.getTime();
  const sb = b.startsAt.getTime();
  if (sa !== sb) return sa > sb;
  return a.id < b.id;
}

/**
 * `pieces` with overrides applied: wherever a piece's user is the `overrideUserId` of an
 * applicable override in force ([startsAt, endsAt)), the winning override's
 * `routeAlertsToUserId` is on call instead, with an `override` origin that keeps the replaced
 * user and the layer (null for a temporary schedule's shift). Overrides are not chained: an
 * override of the replacement does not apply to it. Gaps stay gaps (nobody to replace).
 */
export function applyOverrides(pieces: readonly Piece[], byUser: ReadonlyMap<string, readonly Override[]>): Piece[] {
  if (byUser.size === 0) return [...pieces];
  const out: Piece[] = [];
  for (const p of pieces) {
    const candidates = p.userId === null ? undefined : byUser.get(p.userId);
    const inForce = candidates?.filter((o) => o.startsAt.getTime() < p.end && o.endsAt.getTime() > p.start);
    if (p.userId === null || inForce === undefined || inForce.length === 0) {
      out.push(p);
      continue;
    }
    const cuts = new Set<number>([p.start, p.end]);
    for (const o of inForce) {
      const s = o.startsAt.getTime();
      const e = o.endsAt.getTime();
      if (s > p.start && s < p.end) cuts.add(s);
      if (e > p.start && e < p.end) cuts.add(e);
    }
    const points = [...cuts].sort((a, b) => a - b);
    for (let i = 0; i + 1 < points.length; i++) {
      const start = points[i]!;
      const end = points[i + 1]!;
      let winner: Override | undefined;
      for (const o of inForce) {
        if (o.startsAt.getTime() <= start && o.endsAt.getTime() >= end && (winner === undefined || beats(o, winner))) {
          winner = o;
        }
      }
      if (winner === undefined) {
        out.push({ ...p, start, end });
      } else {
        const layerId = p.origin.kind === 'layer' ? p.origin.layerId : null;
        out.push({
          start,
          end,
          userId: winner.routeAlertsToUserId,
          origin: { kind: 'override', overrideId: winner.id, replacedUserId: p.userId, layerId },
        });
      }
    }
  }
  return out;
}
