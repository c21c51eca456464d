import { isStorableText } from './storable-text.ts';

/**
 * Whether every string and key inside a parsed JSON value can be stored in `jsonb`
 * (no NUL characters, no unpaired surrogates). Depth is bounded by the body limit.
 */
export function isStorableJson(value: unknown): boolean {
  if (typeof value === 'string') return isStorableText(value);
  if (Array.isArray(value)) return value.every(isStorableJson);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).every(([k, v]) => isStorableText(k) && isStorableJson(v));
  }
  return true;
}
