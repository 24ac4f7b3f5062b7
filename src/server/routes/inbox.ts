/**
 * The provider inbox's API (the React inbox in src/provider calls it with the staff member's OpenID
 * Connect access token):
 *   GET  /inbox/api/sign-in                    where to sign in (no token needed; 503 when not set up)
 *   GET  /inbox/api/referrals?status=<s>|open|all  the provider's referrals by practice, newest first
 *   GET  /inbox/api/referrals/:id              what the patient agreed to share (consentedView), the
 *                                              status, the allowed actions and the provider's timeline;
 *                                              audited as inbox-view
 *   POST /inbox/api/referrals/:id/actions      a ProviderAction (accept, decline, contacted, scheduled,
 *                                              did-not-attend, complete) → the updated detail
 * Every referral route needs provider staff (requireProviderStaff) and shows only that provider's
 * referrals (another provider's is a 404). Nothing the patient did not agree to share leaves the hub
 * here: the Bundle is never sent, only its consented view.
 */
import type { FastifyInstance } from 'fastify';
import { type ConsentedReferral, consentedView } from '../../domain/consentedView.js';
import {
  actionsFor,
  type ProviderAction,
  parseProviderAction,
  REFERRAL_STATUSES,
  type ReferralStatus,
} from '../../domain/outcome.js';
import { requireProviderStaff, staffAgent } from '../auth/staff.js';
import { HubError } from '../errors.js';
import { applyProviderAction, businessStatusWords, loadProviderReferral } from '../providerActions.js';
import type { AuditRecord, StoredReferral } from '../store/types.js';
import { authenticateStaff, type RouteDeps } from './deps.js';

/** The client id the inbox signs in with at the OpenID provider. */
export const INBOX_CLIENT_ID = 'provider-inbox';

/** The inbox's status filters: a Task status, every open one, or everything. */
export const INBOX_FILTERS = ['open', ...REFERRAL_STATUSES, 'all'] as const;
export type InboxFilter = (typeof INBOX_FILTERS)[number];

const OPEN: readonly ReferralStatus[] = ['requested', 'accepted', 'in-progress'];

/** How a status reads to provider staff. */
export const INBOX_STATUS_WORDS: Record<ReferralStatus, string> = {
  requested: 'Waiting for you',
  accepted: 'Accepted',
  rejected: 'Declined',
  'in-progress': 'In progress',
  completed: 'Completed',
  cancelled: 'Cancelled',
};

export interface InboxListItem {
  id: string;
  status: ReferralStatus;
  statusText: string;
  businessStatus?: string;
  businessStatusText?: string;
  receivedAt: string;
  patient: string;
  services: string[];
  actions: ProviderAction['action'][];
}

export interface InboxList {
  filter: InboxFilter;
  counts: Record<InboxFilter, number>;
  practices: Array<{ odsCode: string; name: string; referrals: InboxListItem[] }>;
}

export interface InboxTimelineEntry {
  at: string;
  text: string;
}

export interface InboxDetail {
  id: string;
  status: ReferralStatus;
  statusText: string;
  businessStatus?: string;
  businessStatusText?: string;
  statusReason?: string;
  receivedAt: string;
  updatedAt: string;
  actions: ProviderAction['action'][];
  referral: ConsentedReferral;
  outcome?: unknown;
  timeline: InboxTimelineEntry[];
}

const iso = (ms: number) => new Date(ms).toISOString();

function statusFields(r: StoredReferral) {
  return {
    status: r.status,
    statusText: INBOX_STATUS_WORDS[r.status],
    ...(r.businessStatus !== undefined
      ? { businessStatus: r.businessStatus, businessStatusText: businessStatusWords(r.businessStatus) }
      : {}),
  };
}

function listItem(r: StoredReferral, view: ConsentedReferral): InboxListItem {
  return {
    id: r.id,
    ...statusFields(r),
    receivedAt: iso(r.createdAt),
    patient: view.patient.displayName,
    services: view.services.map((s) => s.text),
    actions: actionsFor(r.status),
  };
}

function sentence(s: string): string {
  const t = s.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/** What happened to the referral, as the provider's staff read it (oldest first). */
export function inboxTimeline(audit: readonly AuditRecord[], practiceName: string): InboxTimelineEntry[] {
  const records = [...audit].sort((a, b) => a.at - b.at || a.id - b.id);
  // Staff names are kept with their views; actions name the same agent.
  const names = new Map<string, string>();
  for (const r of records) {
    const name = r.detail?.name;
    if (r.action === 'inbox-view' && typeof name === 'string') names.set(r.agent, name);
  }
  const who = (r: AuditRecord) =>
    names.get(r.agent) ?? (r.agent.startsWith('provider:') ? 'Your service’s system' : 'Your service');
  const out: InboxTimelineEntry[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    const at = iso(r.at);
    const reason = typeof r.detail?.statusReason === 'string' ? r.detail.statusReason.replace(/\.$/, '') : '';
    const business = typeof r.detail?.businessStatus === 'string' ? r.detail.businessStatus : undefined;
    switch (r.action) {
      case 'referral-accepted':
        out.push({ at, text: `The referral was sent by ${practiceName}.` });
        break;
      case 'inbox-view':
        if (!seen.has(r.agent)) out.push({ at, text: `${who(r)} opened the referral.` });
        seen.add(r.agent);
        break;
      case 'cancellation-requested':
        out.push({ at, text: 'The GP asked for the referral to be cancelled.' });
        break;
      case 'status-changed': {
        const to = r.detail?.to;
        let text: string;
        if (to === 'accepted') text = `${who(r)} accepted the referral`;
        else if (to === 'rejected') text = `${who(r)} declined the referral${reason ? `: ${reason}` : ''}`;
        else if (to === 'in-progress')
          text = `${who(r)} updated the referral: ${business ? businessStatusWords(business) : 'in progress'}${reason ? ` (${reason})` : ''}`;
        else if (to === 'completed') text = `${who(r)} completed the referral and reported the outcome`;
        else if (to === 'cancelled') text = `The referral was cancelled${reason ? `: ${reason}` : ''}`;
        else continue;
        out.push({ at, text: sentence(text) });
        break;
      }
      default:
        break;
    }
  }
  return out;
}

function practiceOf(r: StoredReferral, view: ConsentedReferral): { odsCode: string; name: string } {
  return { odsCode: r.practiceOds, name: view.requester.practice.name ?? `Practice ${r.practiceOds}` };
}

export interface InboxRouteOptions {
  /** Staff sign-in settings (HUB_OIDC_ISSUER, HUB_OIDC_AUDIENCE); undefined: not set up. */
  oidc: { issuer: string; audience: string } | undefined;
}

function badFilter(value: string): HubError {
  return new HubError(400, {
    code: 'invalid',
    text: `"${value.slice(0, 40)}" is not a status the inbox can show: use ${INBOX_FILTERS.join(', ')}.`,
  });
}

export function registerInboxRoutes(app: FastifyInstance, deps: RouteDeps, options: InboxRouteOptions): void {
  const { store, now } = deps;

  async function detailOf(referral: StoredReferral): Promise<InboxDetail> {
    const view = consentedView(referral.bundle, referral.providerId);
    const audit = await store.listAudit({ referralId: referral.id, limit: 1000 });
    const detail: InboxDetail = {
      id: referral.id,
      ...statusFields(referral),
      receivedAt: iso(referral.createdAt),
      updatedAt: iso(referral.updatedAt),
      actions: actionsFor(referral.status),
      referral: view,
      timeline: inboxTimeline(audit, practiceOf(referral, view).name),
    };
    if (referral.statusReason !== undefined) detail.statusReason = referral.statusReason;
    if (referral.outcome !== undefined) detail.outcome = referral.outcome;
    return detail;
  }

  app.get('/inbox/api/sign-in', async (_request, reply) => {
    if (options.oidc === undefined) {
      throw new HubError(503, {
        code: 'not-supported',
        text: 'Staff sign-in is not set up at this hub (HUB_OIDC_ISSUER is not set), so the inbox cannot be used. Ask the hub’s administrator to set it.',
      });
    }
    reply.header('Cache-Control', 'no-cache');
    return { issuer: options.oidc.issuer, clientId: INBOX_CLIENT_ID, resource: options.oidc.audience };
  });

  app.get('/inbox/api/referrals', async (request, reply) => {
    const staff = await authenticateStaff(deps, request);
    const providerId = requireProviderStaff(staff);
    const raw = (request.query as Record<string, unknown>).status;
    const value = Array.isArray(raw) ? String(raw[0]) : raw === undefined ? 'open' : String(raw);
    if (!(INBOX_FILTERS as readonly string[]).includes(value)) throw badFilter(value);
    const filter = value as InboxFilter;
    const all = await store.listReferrals({ providerId, limit: 1000 });
    const counts = Object.fromEntries(INBOX_FILTERS.map((f) => [f, 0])) as Record<InboxFilter, number>;
    for (const r of all) {
      counts[r.status] += 1;
      counts.all += 1;
      if (OPEN.includes(r.status)) counts.open += 1;
    }
    const wanted = all
      .filter((r) => filter === 'all' || (filter === 'open' ? OPEN.includes(r.status) : r.status === filter))
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1));
    const groups = new Map<string, InboxList['practices'][number]>();
    for (const r of wanted) {
      const view = consentedView(r.bundle, r.providerId);
      let group = groups.get(r.practiceOds);
      if (group === undefined) {
        group = { ...practiceOf(r, view), referrals: [] };
        groups.set(r.practiceOds, group);
      }
      group.referrals.push(listItem(r, view));
    }
    reply.header('Cache-Control', 'no-store');
    const list: InboxList = { filter, counts, practices: [...groups.values()] };
    return list;
  });

  app.get('/inbox/api/referrals/:id', async (request, reply) => {
    const staff = await authenticateStaff(deps, request);
    const providerId = requireProviderStaff(staff);
    const { id } = request.params as { id: string };
    const referral = await loadProviderReferral(deps, id, providerId);
    await store.appendAudit({
      action: 'inbox-view',
      outcome: '0',
      agent: staffAgent(staff),
      at: now(),
      practiceOds: referral.practiceOds,
      referralId: referral.id,
      providerId,
      detail: { name: staff.name, text: `${staff.name} opened the referral in the inbox.` },
    });
    reply.header('Cache-Control', 'no-store');
    return detailOf(referral);
  });

  app.post('/inbox/api/referrals/:id/actions', async (request, reply) => {
    const staff = await authenticateStaff(deps, request);
    const providerId = requireProviderStaff(staff);
    const { id } = request.params as { id: string };
    // 404 before 400: someone else's referral gives no hint that it exists.
    await loadProviderReferral(deps, id, providerId);
    const parsed = parseProviderAction(request.body);
    if (!parsed.ok) {
      throw new HubError(
        400,
        parsed.problems.map((text) => ({ code: 'invalid' as const, text })),
      );
    }
    const { referral } = await applyProviderAction(deps, {
      referralId: id,
      providerId,
      action: parsed.value,
      agent: staffAgent(staff),
    });
    reply.header('Cache-Control', 'no-store');
    return detailOf(referral);
  });
}
