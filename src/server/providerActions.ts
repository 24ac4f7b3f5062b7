/**
 * A provider acting on a referral, however it reaches the hub (an inbox button, or its own system
 * updating the Task through the hub's FHIR API): the one place that finds the referral, checks it is
 * the provider's, plans the change with the domain's rules and stores it with its audit record.
 */
import {
  BUSINESS_STATUS_WORDS,
  type BusinessStatus,
  type PlannedChange,
  type ProviderAction,
  planProviderAction,
} from '../domain/outcome.js';
import { HubError } from './errors.js';
import type { RouteDeps } from './routes/deps.js';
import { StoreConflictError, type StoredReferral } from './store/types.js';

const REFERRAL_ID = /^[A-Za-z0-9\-.]{1,64}$/;

function notFound(id: string): HubError {
  return new HubError(404, {
    code: 'not-found',
    text: `There is no referral "${id}" for your service. Check the address, or refresh the list of referrals.`,
  });
}

/** The referral, if it exists and was sent to `providerId` (404 otherwise: no hint that it exists). */
export async function loadProviderReferral(
  deps: Pick<RouteDeps, 'store'>,
  id: string,
  providerId: string,
): Promise<StoredReferral> {
  if (!REFERRAL_ID.test(id)) throw notFound(id);
  const referral = await deps.store.getReferral(id);
  if (referral === undefined || referral.providerId !== providerId) throw notFound(id);
  return referral;
}

/** Whether the referral already is where `change` would take it (a retried action changes nothing). */
function alreadyThere(referral: StoredReferral, change: PlannedChange): boolean {
  if (referral.status !== change.status) return false;
  if (change.businessStatus !== undefined && referral.businessStatus !== change.businessStatus) return false;
  if (change.outcome !== undefined && JSON.stringify(referral.outcome) !== JSON.stringify(change.outcome))
    return false;
  return change.statusReason === undefined || referral.statusReason === change.statusReason;
}

/** The change `action` makes from `status`, ignoring where the referral is now (for retries). */
function targetOf(action: ProviderAction): PlannedChange | undefined {
  const from = action.action === 'accept' || action.action === 'decline' ? 'requested' : 'accepted';
  const plan = planProviderAction(from, action);
  return plan.ok ? plan.change : undefined;
}

/**
 * Applies a provider's action: 404 when the referral is not theirs, 409 (with the domain's plain-English
 * reason) when its status does not allow the action. Repeating an action that already took effect
 * (a retry after a lost answer) returns the referral unchanged instead of a conflict.
 */
export async function applyProviderAction(
  deps: Pick<RouteDeps, 'store' | 'now'>,
  input: { referralId: string; providerId: string; action: ProviderAction; agent: string },
): Promise<{ referral: StoredReferral; changed: boolean }> {
  const referral = await loadProviderReferral(deps, input.referralId, input.providerId);
  const plan = planProviderAction(referral.status, input.action);
  if (!plan.ok) {
    const target = targetOf(input.action);
    if (target !== undefined && alreadyThere(referral, target)) {
      return { referral, changed: false };
    }
    throw new HubError(409, { code: 'conflict', text: plan.problem });
  }
  try {
    const updated = await deps.store.updateStatus(referral.id, plan.change, input.agent, deps.now());
    return { referral: updated, changed: true };
  } catch (error) {
    if (error instanceof StoreConflictError) {
      if (error.kind === 'not-found') throw notFound(referral.id);
      throw new HubError(409, { code: 'conflict', text: error.message });
    }
    throw error;
  }
}

/** Words for a stored business status code (older or foreign codes are shown as they are). */
export function businessStatusWords(code: string): string {
  return BUSINESS_STATUS_WORDS[code as BusinessStatus] ?? code;
}
