/** What the hub's routes share: the store, the practices' configurations, the token checker, the clock. */
import type { FastifyRequest } from 'fastify';
import type { TokenChecker, TokenContext } from '../auth/smartToken.js';
import type { PracticeConfigs } from '../config/practices.js';
import type { HubStore } from '../store/types.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's checked token, once a route has authenticated it (for the audit of refusals). */
    hubToken: TokenContext | undefined;
  }
}

export interface RouteDeps {
  store: HubStore;
  configs: PracticeConfigs;
  tokens: TokenChecker;
  now: () => number;
  /** Validate referrals against the profiles (exact, slow). */
  validateProfiles: boolean;
  /** The outbox gained an item (wakes the delivery worker). */
  onOutboxChange: () => void;
}

/** Checks the request's token (throws 401/403/503) and remembers it on the request. */
export async function authenticate(deps: RouteDeps, request: FastifyRequest): Promise<TokenContext> {
  const context = await deps.tokens.authenticate(request.headers);
  request.hubToken = context;
  return context;
}

/** Who the audit names for a caller: the GP's fhirUser, else the client, else 'unknown'. */
export function agentOf(context: TokenContext | undefined): string {
  return context?.fhirUser ?? (context?.clientId === undefined ? 'unknown' : `client:${context.clientId}`);
}
