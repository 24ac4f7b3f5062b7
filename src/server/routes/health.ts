/** GET /health: whether the hub and its store answer, which store, and how many deliveries wait. */
import type { FastifyInstance } from 'fastify';
import { HubError } from '../errors.js';
import type { RouteDeps } from './deps.js';

export function registerHealthRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.get('/health', async (_request, reply) => {
    let pending: number;
    try {
      pending = await deps.store.pendingDeliveries();
    } catch {
      throw new HubError(503, {
        code: 'transient',
        text: `The hub is running but cannot reach its ${deps.store.backend === 'postgres' ? 'PostgreSQL database' : 'SQLite database'}.`,
      });
    }
    reply.header('Cache-Control', 'no-store');
    return { status: 'ok', store: deps.store.backend, pendingDeliveries: pending };
  });
}
