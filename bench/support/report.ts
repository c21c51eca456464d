/** The orchestrator's report on stdout: Markdown tables between a heading and a footer. */
import os from 'node:os';

/** `n` with `digits` decimals, or `-` when it is not a finite number. */
export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

/** A blank line, the bench's title, the machine (Node, CPUs, memory) and today's date, a blank line. */
export function reportHeading(title: string): string[] {
  const cpus = os.cpus();
  return [
    '',
    title,
    `node ${process.version}, ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${new Date().toISOString().slice(0, 10)}`,
    '',
  ];
}

/** A Markdown table: its first `leftColumns` columns aligned left, the others right. */
export function markdownTable(header: readonly string[], leftColumns: number, rows: ReadonlyArray<ReadonlyArray<string | number>>): string[] {
  const line = (cells: ReadonlyArray<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i < leftColumns ? '---' : '---:'))), ...rows.map(line)];
}

/** A blank line, what each case does, any notes, then one line per engine run that failed. */
export function reportFooter(cases: ReadonlyArray<{ readonly name: string; readonly what: string }>, notes: readonly string[], failed: readonly string[]): string[] {
  return ['', ...cases.map((c) => `${c.name}: ${c.what}`), ...notes, ...failed.map((f) => `FAILED: ${f}`)];
}
