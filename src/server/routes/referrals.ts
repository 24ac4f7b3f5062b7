/**
 * The GP app's referral routes:
 *   POST /referrals               accept the referral transaction Bundle (201 new, 200 already accepted)
 *   GET  /referrals/:id           one referral's view
 *   GET  /referrals?patient=<id>  the patient's referrals (newest first)
 *   POST /referrals/:id/cancel    the GP cancels ({ "reason"?: text })
 * Every route needs the GP's SMART token for the referral's patient on the same EHR.
 */
import type { FastifyInstance } from 'fastify';
import { londonDateOf, parseCalendarDate } from '../../domain/dates.js';
import type { Provider } from '../../domain/directory.js';
import { requirePatient, requireScope, type TokenContext } from '../auth/smartToken.js';
import { HubError } from '../errors.js';
import { StoreConflictError, type StoredReferral } from '../store/types.js';
import { inlineValidator, type ProfileValidator } from '../validation.js';
import { type ReferralView, referralView } from '../views.js';
import { agentOf, authenticate, type RouteDeps } from './deps.js';
import { readReferralBundle } from './referralBundle.js';

/** Why a provider cannot take a referral today, or undefined when it can. */
export function providerClosedReason(provider: Provider, now: number): string | undefined {
  const today = parseCalendarDate(londonDateOf(new Date(now))) as number;
  const phone = `phone them on ${provider.contact.phone}`;
  if (provider.status !== 'open')
    return `${provider.name} is not taking referrals at the moment (${provider.status}): choose another provider, or ${phone}.`;
  if (provider.activeFrom !== undefined && (parseCalendarDate(provider.activeFrom) as number) > today)
    return `${provider.name} does not take referrals until ${provider.activeFrom}: choose another provider, or ${phone}.`;
  if (provider.activeTo !== undefined && (parseCalendarDate(provider.activeTo) as number) <= today)
    return `${provider.name} stopped taking referrals on ${provider.activeTo}: choose another provider.`;
  return undefined;
}

/** 403 unless the referral is for the token's patient on the token's EHR. */
function requireOwnReferral(token: TokenContext, referral: StoredReferral): void {
  if (referral.ehrBaseUrl !== token.ehrBaseUrl) {
    throw new HubError(403, {
      code: 'forbidden',
      text: 'This referral was sent from another record system. Open the app from the record system it was sent from.',
    });
  }
  requirePatient(token, referral.patientId);
}

const REFERRAL_ID = /^[A-Za-z0-9\-.]{1,64}$/;

function notFound(id: string): HubError {
  return new HubError(404, {
    code: 'not-found',
    text: `The hub has no referral "${id}". Check the address; if the referral was just sent, send it again.`,
  });
}

export function registerReferralRoutes(
  app: FastifyInstance,
  deps: RouteDeps,
  options: { validator?: ProfileValidator } = {},
): void {
  const { store, configs, now } = deps;
  const validator = options.validator ?? inlineValidator();

  async function viewOf(referral: StoredReferral, provider?: Provider): Promise<ReferralView> {
    let p = provider;
    if (p === undefined) {
      try {
        p = await configs.provider(referral.practiceOds, referral.providerId);
      } catch {
        // A broken config must not hide the referral's state; the view just lacks the contact details.
        p = undefined;
      }
    }
    const audit = await store.listAudit({ referralId: referral.id, limit: 1000 });
    return referralView(referral, audit, p);
  }

  async function load(id: string): Promise<StoredReferral> {
    if (!REFERRAL_ID.test(id)) throw notFound(id);
    const referral = await store.getReferral(id);
    if (referral === undefined) throw notFound(id);
    return referral;
  }

  app.post('/referrals', async (request, reply) => {
    const token = await authenticate(deps, request);
    requireScope(token, 'create');
    const parts = readReferralBundle(request.body);
    requirePatient(token, parts.patientId);
    if (deps.validateProfiles) {
      const problems = await validator.problems(parts);
      if (problems.length > 0) throw new HubError(422, problems);
    }
    const directory = await configs.directory(parts.practiceOds);
    if (directory === undefined) {
      throw new HubError(422, {
        code: 'business-rule',
        expression: `Bundle.entry[${parts.serviceRequest.index}].resource.requester`,
        text: `The hub has no settings for the practice ${parts.practiceOds} (the ODS code on the referral), so it cannot send the referral. Ask the practice IT lead to set the practice up at the hub.`,
      });
    }
    const provider = directory.providers.find((p) => p.id === parts.providerId);
    const performer = `Bundle.entry[${parts.serviceRequest.index}].resource.performer`;
    if (provider === undefined) {
      throw new HubError(422, {
        code: 'business-rule',
        expression: performer,
        text: `The provider "${parts.providerId}" is not in the practice’s provider directory: choose a provider from the list in the app.`,
      });
    }
    const closed = providerClosedReason(provider, now());
    if (closed !== undefined)
      throw new HubError(422, { code: 'business-rule', expression: performer, text: closed });

    const endpoint = provider.endpoint;
    const { referral, created } = await store.acceptReferral(
      {
        id: parts.id,
        practiceOds: parts.practiceOds,
        ehrBaseUrl: token.ehrBaseUrl,
        patientId: parts.patientId,
        providerId: provider.id,
        deliveryMode: endpoint.mode,
        ...(endpoint.mode === 'hub-inbox' ? {} : { deliveryBaseUrl: endpoint.baseUrl }),
        bundle: parts.bundle,
        sentBy: agentOf(token),
      },
      now(),
    );
    if (created) deps.onOutboxChange();
    if (!created && (referral.ehrBaseUrl !== token.ehrBaseUrl || referral.patientId !== parts.patientId)) {
      throw new HubError(409, {
        code: 'duplicate',
        text: 'Another referral with the same identifier is already stored at the hub, for a different patient. Build the referral again in the app and send it.',
      });
    }
    const view = await viewOf(referral, provider);
    reply.header('Location', `/referrals/${encodeURIComponent(referral.id)}`);
    return reply.code(created ? 201 : 200).send(view);
  });

  app.get('/referrals', async (request) => {
    const token = await authenticate(deps, request);
    requireScope(token, 'read');
    const query = request.query as Record<string, unknown>;
    const patient = query.patient;
    if (typeof patient !== 'string' || !/^[A-Za-z0-9\-.]{1,64}$/.test(patient)) {
      throw new HubError(400, {
        code: 'required',
        expression: 'patient',
        text: 'Say whose referrals to list: add ?patient=<the patient’s id in the record>.',
      });
    }
    requirePatient(token, patient, 'The patient asked for');
    const referrals = await store.listReferrals({
      patientId: patient,
      ehrBaseUrl: token.ehrBaseUrl,
      limit: 100,
    });
    return { referrals: await Promise.all(referrals.map((r) => viewOf(r))) };
  });

  app.get('/referrals/:id', async (request) => {
    const token = await authenticate(deps, request);
    requireScope(token, 'read');
    const referral = await load((request.params as { id: string }).id);
    requireOwnReferral(token, referral);
    return viewOf(referral);
  });

  app.post('/referrals/:id/cancel', async (request) => {
    const token = await authenticate(deps, request);
    requireScope(token, 'cancel');
    const body = request.body;
    let reason: string | undefined;
    if (body !== undefined && body !== null) {
      const r =
        typeof body === 'object' && !Array.isArray(body) ? (body as { reason?: unknown }).reason : undefined;
      if (
        typeof body !== 'object' ||
        Array.isArray(body) ||
        Object.keys(body).some((k) => k !== 'reason') ||
        (r !== undefined && (typeof r !== 'string' || r.length > 500))
      ) {
        throw new HubError(400, {
          code: 'structure',
          expression: 'reason',
          text: 'Send no body, or a JSON object with only "reason": the reason for cancelling as text (at most 500 characters).',
        });
      }
      if (typeof r === 'string' && r.trim() !== '') reason = r.trim();
    }
    const referral = await load((request.params as { id: string }).id);
    requireOwnReferral(token, referral);
    if (referral.status === 'cancelled') return viewOf(referral); // cancelling twice is one cancellation
    try {
      const updated = await store.updateStatus(
        referral.id,
        { status: 'cancelled', statusReason: reason ?? 'Cancelled by the GP.' },
        agentOf(token),
        now(),
      );
      deps.onOutboxChange();
      return await viewOf(updated);
    } catch (error) {
      if (error instanceof StoreConflictError) {
        if (error.kind === 'not-found') throw notFound(referral.id);
        throw new HubError(409, { code: 'conflict', text: error.message });
      }
      throw error;
    }
  });
}
