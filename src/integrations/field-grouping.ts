import type { InboundTrigger } from './ingest.ts';

/**
 * The episode a trigger belongs to when its integration groups by fields: the values of
 * those fields, looked up in the trigger (`title`, `severity`) or its custom fields by dotted
 * path (`source`, `custom_details.service`, `labels.cluster`). `null` when the integration
 * does not group, or the trigger already names its own group.
 */
export function fieldGroup(groupBy: readonly string[], t: InboundTrigger): { groupKey: string; title: string } | null {
  if (groupBy.length === 0 || t.episode) return null;
  const parts = groupBy.map((path) => `${path}=${JSON.stringify(valueAt(t, path) ?? null)}`);
  return { groupKey: `fields:${parts.join(',')}`, title: `Grouped by ${parts.join(', ')}` };
}

function valueAt(t: InboundTrigger, path: string): unknown {
  if (path === 'title') return t.title;
  if (path === 'severity') return t.severity ?? null;
  let v: unknown = t.customFields ?? {};
  for (const key of path.split('.')) {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}
