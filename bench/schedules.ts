/**
 * Benchmark of the pure schedule computation (src/schedules): who is on call at an instant,
 * and a year of final shifts, for a 5-layer, 50-user schedule with 100 overrides in
 * Europe/Berlin (both DST transitions inside the year).
 *
 *   npm run bench:schedules
 *
 * Goals (issue 4): who-is-on-call ≤ 1 ms warm; a year of final shifts ≤ 50 ms.
 * Settings (environment): BENCH_ONCALL_CALLS (20000), BENCH_YEAR_RUNS (40).
 * The report (stdout) is a Markdown table.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { computeShifts } from '../src/schedules/compute-shifts.ts';
import type { Layer, Override, Schedule } from '../src/schedules/model.ts';
import { onCallAt } from '../src/schedules/on-call-at.ts';
import { validateSchedule } from '../src/schedules/validate.ts';

const DAY = 86_400_000;
const ONCALL_CALLS = Number(process.env.BENCH_ONCALL_CALLS ?? 20_000);
const YEAR_RUNS = Number(process.env.BENCH_YEAR_RUNS ?? 40);

const users = (first: number) => Array.from({ length: 10 }, (_, i) => `user-${first + i}`);
const at = (iso: string) => new Date(iso);
const workdays = (startTime: string, endTime: string): Layer['restrictions'] => ({
  type: 'Weekly',
  weekly: (['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'] as const).map((d) => ({ startDay: d, endDay: d, startTime, endTime })),
});

const layers: Layer[] = [
  { id: 'business-hours', name: 'Business hours', order: 1, startsAt: at('2025-01-01T00:00Z'), handOffTime: at('2025-01-06T08:00Z'), rotation: { intervalType: 'Day', intervalCount: 1 }, restrictions: workdays('09:00', '17:00'), userIds: users(0), rotationClock: 'restricted' },
  { id: 'evenings', name: 'Evenings', order: 2, startsAt: at('2025-01-01T00:00Z'), handOffTime: at('2025-01-06T17:00Z'), rotation: { intervalType: 'Week', intervalCount: 1 }, restrictions: { type: 'Daily', daily: { startTime: '17:00', endTime: '23:00' } }, userIds: users(10) },
  { id: 'weekends', name: 'Weekends', order: 3, startsAt: at('2025-01-01T00:00Z'), handOffTime: at('2025-01-03T17:00Z'), rotation: { intervalType: 'Week', intervalCount: 1 }, restrictions: { type: 'Weekly', weekly: [{ startDay: 'Friday', endDay: 'Monday', startTime: '18:00', endTime: '09:00' }] }, userIds: users(20) },
  { id: 'follow-the-sun', name: 'Follow the sun', order: 4, startsAt: at('2025-01-01T00:00Z'), handOffTime: at('2025-01-01T06:00Z'), rotation: { intervalType: 'Hour', intervalCount: 12 }, restrictions: { type: 'None' }, userIds: users(30) },
  { id: 'backstop', name: 'Backstop', order: 5, startsAt: at('2025-01-01T00:00Z'), handOffTime: at('2025-01-31T09:00Z'), rotation: { intervalType: 'Month', intervalCount: 1 }, restrictions: { type: 'None' }, userIds: users(40) },
];

// 100 overrides through 2026, a fifth of them for one policy; random but reproducible.
let seed = 42;
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
const yearStart = Date.parse('2026-01-01T00:00Z');
const overrides: Override[] = Array.from({ length: 100 }, (_, i) => {
  const start = yearStart + Math.floor(random() * 364 * 24) * 3_600_000;
  return {
    id: `override-${i}`,
    policyId: i % 5 === 0 ? 'policy-1' : null,
    overrideUserId: `user-${Math.floor(random() * 50)}`,
    routeAlertsToUserId: `stand-in-${i % 7}`,
    startsAt: new Date(start),
    endsAt: new Date(start + (1 + Math.floor(random() * 72)) * 3_600_000),
  };
});

const schedule: Schedule = { id: 'bench', timezone: 'Europe/Berlin', layers, overrides };
const problems = validateSchedule(schedule);
if (problems.length > 0) throw new Error(`bench schedule invalid: ${JSON.stringify(problems)}`);

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function measure(runs: number, fn: (i: number) => unknown): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn(i);
    out.push(performance.now() - t0);
  }
  return out.sort((a, b) => a - b);
}

const instants = Array.from({ length: ONCALL_CALLS }, () => new Date(yearStart + Math.floor(random() * 365 * DAY)));
// Warm-up: the JIT and the per-day offset cache.
for (let i = 0; i < 2000; i++) onCallAt(schedule, instants[i % instants.length]!, { policyId: 'policy-1' });
const oncall = measure(ONCALL_CALLS, (i) => onCallAt(schedule, instants[i]!, { policyId: 'policy-1' }));

const year = { from: new Date(yearStart), to: new Date(Date.parse('2027-01-01T00:00Z')) };
let shiftCount = 0;
const cold = measure(1, () => (shiftCount = computeShifts(schedule, year, { policyId: 'policy-1' }).length));
for (let i = 0; i < 5; i++) computeShifts(schedule, year, { policyId: 'policy-1' });
const warm = measure(YEAR_RUNS, () => computeShifts(schedule, year, { policyId: 'policy-1' }));

const fmt = (n: number) => n.toFixed(3);
const cpus = os.cpus();
console.log(
  [
    '',
    '`npm run bench:schedules`',
    `node ${process.version}, ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${new Date().toISOString().slice(0, 10)}`,
    '',
    '| case | calls | p50 ms | p99 ms | max ms | mean ms | goal |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
    `| who is on call (onCallAt) | ${oncall.length} | ${fmt(percentile(oncall, 50))} | ${fmt(percentile(oncall, 99))} | ${fmt(oncall.at(-1)!)} | ${fmt(oncall.reduce((a, b) => a + b, 0) / oncall.length)} | ≤ 1 ms |`,
    `| a year of final shifts (computeShifts) | ${warm.length} | ${fmt(percentile(warm, 50))} | ${fmt(percentile(warm, 99))} | ${fmt(warm.at(-1)!)} | ${fmt(warm.reduce((a, b) => a + b, 0) / warm.length)} | ≤ 50 ms |`,
    '',
    `A year is ${shiftCount} final shifts; the first (cold) computation took ${fmt(cold[0]!)} ms.`,
  ].join('\n'),
);
