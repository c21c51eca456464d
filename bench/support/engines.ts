/**
 * One child process per storage engine. A bench script has two roles:
 * - run directly, it is the orchestrator: it runs itself again with `--engine <name>`
 *   for each engine in turn (so that each engine's peak RSS is its own), stops a run
 *   that takes longer than its timeout, then prints the report of the runs that
 *   finished; the exit code is 1 if one failed;
 * - with `--engine <pglite|postgres>` it is that engine's run: it prints one result
 *   line (`BENCH_RESULT <json>`) on stdout; progress goes to stderr.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { log } from './log.ts';

export type EngineName = 'pglite' | 'postgres';

export interface EngineBench<R> {
  /** The bench script's `import.meta.url`: the script each engine's child process runs. */
  readonly script: string;
  readonly engines: readonly EngineName[];
  readonly engineTimeoutSeconds: number;
  /** One engine's run, in its child process; its result goes to the orchestrator as JSON. */
  readonly runEngine: (engine: EngineName) => Promise<R>;
  /** The orchestrator's report of the results, with the runs that failed. */
  readonly printReport: (results: R[], failed: string[]) => void;
}

const RESULT_PREFIX = 'BENCH_RESULT ';

/** The entry of a bench script: the orchestrator, or one engine's run with `--engine`. */
export async function runEngineBench<R>(bench: EngineBench<R>): Promise<void> {
  const engineArg = process.argv.indexOf('--engine');
  if (engineArg >= 0) {
    const engine = process.argv[engineArg + 1] as EngineName;
    try {
      const result = await bench.runEngine(engine);
      process.stdout.write(RESULT_PREFIX + JSON.stringify(result) + '\n');
    } catch (err) {
      log(`${engine}: ${(err as Error).stack ?? err}`);
      process.exitCode = 1;
    }
  } else {
    await orchestrate(bench);
  }
}

async function orchestrate<R>(bench: EngineBench<R>): Promise<void> {
  const results: R[] = [];
  const failed: string[] = [];
  for (const engine of bench.engines) {
    if (engine !== 'pglite' && engine !== 'postgres') throw new Error(`unknown engine ${engine}; use pglite or postgres`);
    log(`${engine}: starting`);
    try {
      results.push(await runEngineChild(bench, engine));
    } catch (err) {
      failed.push((err as Error).message);
    }
  }
  bench.printReport(results, failed);
  if (failed.length > 0) process.exitCode = 1;
}

function runEngineChild<R>(bench: EngineBench<R>, engine: EngineName): Promise<R> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(bench.script), '--engine', engine], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (out += d));
    const timer = setTimeout(() => {
      log(`${engine}: no result after ${bench.engineTimeoutSeconds} s; stopping it`);
      child.kill('SIGTERM');
    }, bench.engineTimeoutSeconds * 1000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (code === 0 && line) resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as R);
      else reject(new Error(`${engine} run failed (exit ${code})`));
    });
  });
}
