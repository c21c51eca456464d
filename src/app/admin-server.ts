import { chmodSync, unlinkSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { registerErrorHandler } from '../http/error-handler.ts';
import { newApiKeyInput, newProjectInput, type AdminOps } from './admin-ops.ts';

/**
 * The local admin endpoint of a server on the embedded database: a Unix socket that
 * only the data directory's owner can open. The CLI creates projects and keys through
 * it while the server holds the data directory.
 */
export async function startAdminServer(socketPath: string, ops: AdminOps): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  registerErrorHandler(app, { bodyLimitBytes: 1_048_576 });
  const z$ = app.withTypeProvider<ZodTypeProvider>();
  z$.post('/admin/projects', { schema: { body: newProjectInput } }, async (req) => ops.createProject(req.body));
  z$.post('/admin/api-keys', { schema: { body: newApiKeyInput } }, async (req) => ops.createApiKey(req.body));
  try {
    unlinkSync(socketPath);
  } catch {
    /* no stale socket */
  }
  await app.listen({ path: socketPath });
  chmodSync(socketPath, 0o600);
  return app;
}
