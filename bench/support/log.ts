/** Writes one progress line to stderr, stamped with the time of day (UTC); stdout is kept for results. */
export function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}
