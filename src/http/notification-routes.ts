import type { FastifyInstance } from 'fastify';
import { actOnDelivery } from '../notifications/inbound/act-on-delivery.ts';
import { registerActionLinkRoutes } from '../notifications/inbound/action-link-routes.ts';
import { registerContactRoutes } from '../notifications/contacts/routes.ts';
import type { InboundDeps } from '../notifications/channels/channel.ts';
import type { Notifications } from '../notifications/services.ts';
import type { ResourceRegistry } from '../resources/registry.ts';
import type { Clock } from '../storage/clock.ts';
import type { Db, Listen } from '../storage/database.ts';
import { registerInAppRoutes } from '../notifications/in-app/routes.ts';

export interface NotificationRouteDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly registry: ResourceRegistry;
  readonly notifications: Notifications;
  /** The database's LISTEN (live in-app feeds wake on it; they poll without it). */
  readonly listen?: Listen;
}

/**
 * The notification layer's HTTP endpoints: each channel's inbound endpoints (provider
 * callbacks, replies, button clicks), and the areas' own routes, one line each.
 */
export function registerNotificationRoutes(app: FastifyInstance, deps: NotificationRouteDeps): void {
  const n = deps.notifications;
  const inbound: InboundDeps = {
    db: deps.db,
    clock: deps.clock,
    box: n.box,
    links: n.links,
    publicUrl: n.publicUrl,
    defaults: n.defaults,
    providersFor: (projectId) => n.providersFor(projectId),
    act: (a) => actOnDelivery(deps.db, deps.clock, a),
  };
  for (const channel of n.channels) channel.inbound?.(app, inbound);
  registerActionLinkRoutes(app, inbound);
  registerContactRoutes(app, deps);
  registerInAppRoutes(app, { db: deps.db, clock: deps.clock, ...(deps.listen ? { listen: deps.listen } : {}) });
}
