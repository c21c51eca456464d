/** Text helpers every channel's renderer shares. */

/** Cuts `text` to at most `max` characters (code points), ending with `…` when cut. */
export function clip(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}
