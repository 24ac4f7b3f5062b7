/** What the hub's routes share: the store, the practices' configurations, the token checker, the clock. */
import type { FastifyRequest } from 'fastify';
import type { TokenChecker, TokenContext } from '../auth/smartToken.js';
import { type StaffContext, type StaffTokenChecker, staffAgent } from '../auth/staff.js';
import type { PracticeConfigs } from '../config/practices.js';
import { HubError } from '../errors.js';
import type { PracticeRecords } from '../records/practiceRecords.js';
import type { HubStore } from '../store/types.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's checked token, once a route has authenticated it (for the audit of refusals). */
    hubToken: TokenContext | undefined;
    /** The signed-in staff member, once a staff route has checked their token. */
    hubStaff: StaffContext | undefined;
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
  /** Staff sign-in (OpenID Connect); undefined when HUB_OIDC_ISSUER is not set. */
  staff: StaffTokenChecker | undefined;
  /** The hub's address as callers see it (no trailing slash): token audiences, links. */
  publicUrl: () => string;
  /** The records the IT lead's dry run replays: the EHR's (sandbox only) and uploaded exports. */
  records: PracticeRecords;
}

/** Checks a staff member's sign-in (401/403/503) and remembers it on the request. */
export async function authenticateStaff(deps: RouteDeps, request: FastifyRequest): Promise<StaffContext> {
  if (deps.staff === undefined) {
    throw new HubError(503, {
      code: 'not-supported',
      text: 'Staff sign-in is not set up at this hub (HUB_OIDC_ISSUER is not set), so the inbox and IT-lead pages cannot be used. Ask the hub’s administrator to set it.',
    });
  }
  const staff = await deps.staff.authenticate(request.headers);
  request.hubStaff = staff;
  return staff;
}

/** Checks the request's token (throws 401/403/503) and remembers it on the request. */
export async function authenticate(deps: RouteDeps, request: FastifyRequest): Promise<TokenContext> {
  const context = await deps.tokens.authenticate(request.headers);
  request.hubToken = context;
  return context;
}

/** Who the audit names for a caller: the GP's fhirUser, else the client, else 'unknown'. */
export function agentOf(context: TokenContext | undefined, staff?: StaffContext): string {
  if (staff !== undefined) return staffAgent(staff);
  return context?.fhirUser ?? (context?.clientId === undefined ? 'unknown' : `client:${context.clientId}`);
}
