import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { parseInbound } from '../../integrations/parse-inbound.ts';

/**
 * Makes the route schemas (zod) of one encapsulated ingest scope validate through
 * `parseInbound`: a bad body is one 400 `{"error": ...}` naming every bad field. The same
 * schemas document the routes in the OpenAPI document.
 */
export function useInboundValidator(scope: FastifyInstance): void {
  scope.setValidatorCompiler(({ schema }) => (data: unknown) => {
    try {
      return { value: parseInbound(schema as z.ZodType, data) };
    } catch (err) {
      return { error: err as Error };
    }
  });
}
