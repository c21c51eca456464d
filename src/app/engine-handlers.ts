import type { EngineHandlers } from '../engine/types.ts';
import { onCallHandlers } from '../policies/engine-handlers.ts';
import { slaHandlers } from '../sla/handlers.ts';

/**
 * Everything the job engine runs: each module adds its job handlers by kind and its
 * domain event consumers, one spread line each, e.g.
 *
 *   jobs: { ...onCallHandlers.jobs },
 *   events: [...onCallHandlers.events],
 *
 * A job kind must be unique across modules (kinds are prefixed with the module's name).
 */
export function engineHandlers(): EngineHandlers {
  return {
    jobs: { ...slaHandlers.jobs, ...onCallHandlers.jobs },
    events: [...slaHandlers.events, ...onCallHandlers.events],
  };
}
