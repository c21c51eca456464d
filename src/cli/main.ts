import { Command, CommanderError } from 'commander';
import { ZodError } from 'zod';
import { loadConfig, ConfigError, type Config } from '../app/config.ts';
import { createLogger } from '../app/logger.ts';
import { startServer } from '../app/server.ts';
import { VERSION } from '../app/version.ts';
import { openConfiguredStorage } from '../app/storage-setup.ts';
import { AppError } from '../errors.ts';
import { systemClock } from '../storage/clock.ts';
import { DataDirLockedError } from '../storage/data-dir-lock.ts';
import { migrate } from '../storage/migrate.ts';
import { CliError, withAdmin } from './admin-access.ts';
import { parseExpiry } from './parse-expiry.ts';

const program = new Command()
  .name('vigil')
  .description('Vigil: on-call, escalation and notification.\nSettings come from the environment (see README): HOST, PORT, VIGIL_DATA_DIR, DATABASE_URL, ...')
  .version(VERSION)
  .showHelpAfterError();

program
  .command('serve')
  .description('start the server (migrates the database first)')
  .action(async () => serve(loadConfig()));

program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .action(async () => {
    const storage = await openConfiguredStorage(loadConfig());
    try {
      const applied = await migrate(storage.database.db);
      print({ applied });
    } finally {
      await storage.close();
    }
  });

const project = program.command('project').description('manage projects');
project
  .command('create')
  .description('create a project, its owner and an owner API key (shown once)')
  .requiredOption('--name <name>', 'project name')
  .requiredOption('--owner-email <email>', "owner's email (an existing user is reused)")
  .option('--owner-name <name>', "owner's name (default: from the email)")
  .action(async (o: { name: string; ownerEmail: string; ownerName?: string }) => {
    const created = await withAdmin(loadConfig(), (ops) =>
      ops.createProject({ name: o.name, ownerEmail: o.ownerEmail, ...(o.ownerName ? { ownerName: o.ownerName } : {}) }),
    );
    print(created);
  });

const apiKey = program.command('api-key').description('manage API keys');
apiKey
  .command('create')
  .description('create an API key for a project (the key is shown once)')
  .requiredOption('--project <id>', 'project id')
  .option('--role <role>', 'Project Owner | Project Admin | Project Member | Viewer', 'Project Member')
  .option('--permissions <list>', 'comma-separated extra permissions, e.g. "Read Team,Read Label"')
  .option('--expires <when>', 'ISO date-time or duration (90d, 12h, 2w); never by default')
  .option('--name <name>', 'a name to recognise the key by', 'CLI key')
  .action(async (o: { project: string; role: string; permissions?: string; expires?: string; name: string }) => {
    const expiresAt = o.expires ? parseExpiry(o.expires, systemClock.now()) : undefined;
    const permissions = o.permissions ? o.permissions.split(',').map((p) => p.trim()).filter(Boolean) : [];
    const created = await withAdmin(loadConfig(), (ops) =>
      ops.createApiKey({
        projectId: o.project,
        name: o.name,
        role: o.role as never,
        permissions,
        ...(expiresAt ? { expiresAt } : {}),
      }),
    );
    print(created);
  });

async function serve(config: Config): Promise<void> {
  const logger = createLogger(config.logLevel);
  const server = await startServer(config, logger);
  let signalled = false;
  const shutdown = (signal: string) => {
    if (signalled) return;
    signalled = true;
    logger.info({ signal }, 'shutting down: no new requests, finishing those in flight');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutSeconds * 1000);
    force.unref();
    server.stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Operator mistakes are shown as one clear line; anything else with its stack. */
function explain(err: unknown): string {
  if (err instanceof ZodError) return err.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
  if (err instanceof ConfigError || err instanceof CliError || err instanceof DataDirLockedError || err instanceof AppError) {
    return err.message;
  }
  if (err instanceof Error && err.message.startsWith('--')) return err.message;
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (!(err instanceof CommanderError)) {
    process.stderr.write(`vigil: ${explain(err)}\n`);
    process.exit(1);
  }
  process.exit(err.exitCode);
}
