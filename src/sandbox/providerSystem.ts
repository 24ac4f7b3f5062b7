/**
 * The sandbox providers' own systems, as far as the referral hub is concerned: each hosted provider
 * gets a key pair at start and is registered with the hub the sandbox starts (SMART Backend Services,
 * client id `sandbox-<provider id>`, its public key inline). The provider's page (providers.ts) then
 * offers buttons per referral — Accept, Decline (reason), Mark contacted, Complete (goal, adjustments,
 * short report) — that act exactly as a provider's system would: a token from the hub's
 * /auth/token with a signed client assertion, GET /fhir/Task/<id>, PUT it back changed.
 *
 * Plainly a test page: no sign-in, loopback only, like the rest of the sandbox.
 */
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { ADVICE_CODES, type AdviceCode, CODE_SYSTEM } from '../domain/codes.js';
import {
  ADJUSTMENT_WORDS,
  actionsFor,
  DECLINE_REASON_WORDS,
  DECLINE_REASONS,
  type DeclineReason,
  REFERRAL_STATUSES,
  RETURN_TO_WORK_GOAL_WORDS,
  RETURN_TO_WORK_GOALS,
  type ReferralOutcome,
  type ReferralStatus,
  type ReturnToWorkGoal,
} from '../domain/outcome.js';
import { outcomeToTask } from '../fhir/taskOutcome.js';
import type { ProviderClient } from '../server/auth/backendServices.js';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const SCOPE = 'system/Task.rs system/Task.u system/ServiceRequest.rs';

export interface HubStatus {
  status: string;
  /** e.g. "in-progress (patient contacted)". */
  text: string;
}

export interface ProviderSystem {
  providerId: string;
  clientId: string;
  /** The registration the hub needs (public key inline). */
  registration: ProviderClient;
  /** Where the hub is, once the sandbox has started it. */
  hubUrl?: string;
  /** The referrals' status at the hub (and in words), by referral id (undefined when the hub cannot be asked). */
  statuses(): Promise<Map<string, HubStatus> | undefined>;
  /** Acts on a referral through the hub; resolves with what happened in plain English. */
  act(referralId: string, form: Record<string, string>): Promise<string>;
}

/** A key pair and client for one hosted provider. */
export async function createProviderSystem(providerId: string): Promise<ProviderSystem> {
  const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
  const kid = `sandbox-${providerId}-1`;
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'ES384', use: 'sig' };
  const clientId = `sandbox-${providerId}`;
  let cached: { token: string; until: number } | undefined;

  async function token(hubUrl: string): Promise<string> {
    if (cached && cached.until > Date.now()) return cached.token;
    const tokenUrl = `${hubUrl}/auth/token`;
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES384', kid, typ: 'JWT' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(tokenUrl)
      .setExpirationTime('4m')
      .setJti(crypto.randomUUID())
      .sign(privateKey);
    const res = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: assertion,
        scope: SCOPE,
      }),
    });
    const body = (await res.json()) as {
      access_token?: string;
      expires_in?: number;
      error_description?: string;
    };
    if (!res.ok || body.access_token === undefined)
      throw new Error(`The hub gave no token: ${body.error_description ?? res.status}`);
    cached = { token: body.access_token, until: Date.now() + ((body.expires_in ?? 300) - 30) * 1000 };
    return body.access_token;
  }

  async function fhir(hubUrl: string, path: string, init: RequestInit = {}): Promise<Response> {
    const call = async () =>
      fetch(`${hubUrl}/fhir${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${await token(hubUrl)}`,
          'content-type': 'application/fhir+json',
          ...init.headers,
        },
      });
    let res = await call();
    if (res.status === 401) {
      cached = undefined; // the hub restarted: a new token
      res = await call();
    }
    return res;
  }

  const system: ProviderSystem = {
    providerId,
    clientId,
    registration: { clientId, providerId, jwks: { keys: [jwk] } },
    async statuses() {
      if (system.hubUrl === undefined) return undefined;
      try {
        const res = await fhir(system.hubUrl, '/Task?_count=1000');
        if (!res.ok) return undefined;
        const bundle = (await res.json()) as {
          entry?: Array<{
            resource?: {
              id?: string;
              status?: string;
              businessStatus?: { text?: string; coding?: Array<{ display?: string }> };
            };
          }>;
        };
        return new Map(
          (bundle.entry ?? []).map((e) => {
            const business =
              e.resource?.businessStatus?.coding?.[0]?.display ?? e.resource?.businessStatus?.text;
            const status = e.resource?.status ?? 'unknown';
            return [
              e.resource?.id ?? '',
              { status, text: `${status}${business ? ` (${business.toLowerCase()})` : ''}` },
            ];
          }),
        );
      } catch {
        return undefined;
      }
    },
    async act(referralId, form) {
      const hubUrl = system.hubUrl;
      if (hubUrl === undefined) return 'The sandbox started no referral hub, so there is nothing to update.';
      const current = await fhir(hubUrl, `/Task/${encodeURIComponent(referralId)}`);
      if (current.status === 404)
        return 'The hub has no such referral for this provider (it was sent without the hub?), so nothing changed.';
      if (!current.ok) return `The hub would not show the referral (HTTP ${current.status}).`;
      const task = (await current.json()) as Record<string, unknown> & { meta?: { versionId?: string } };
      const change = taskChange(form);
      if (typeof change === 'string') return change;
      const res = await fhir(hubUrl, `/Task/${encodeURIComponent(referralId)}`, {
        method: 'PUT',
        headers: { 'if-match': `W/"${task.meta?.versionId ?? ''}"` },
        body: JSON.stringify({ ...task, ...change }),
      });
      if (res.ok)
        return `Done: the hub now shows the referral as ${((await res.json()) as { status: string }).status}.`;
      const outcome = (await res.json().catch(() => undefined)) as
        | { issue?: Array<{ diagnostics?: string }> }
        | undefined;
      return `The hub refused (HTTP ${res.status}): ${(outcome?.issue ?? []).map((i) => i.diagnostics).join(' ')}`;
    },
  };
  return system;
}

/** The Task elements a button's form asks to change, or what is wrong with the form. */
export function taskChange(form: Record<string, string>): Record<string, unknown> | string {
  switch (form.action) {
    case 'accept':
      return { status: 'accepted' };
    case 'decline': {
      const reason = form.reason as DeclineReason;
      if (!DECLINE_REASONS.includes(reason)) return 'Choose a reason to decline.';
      const text = form.text?.trim();
      return {
        status: 'rejected',
        statusReason: {
          coding: [{ system: CODE_SYSTEM.referralDeclineReason, code: reason }],
          ...(text ? { text } : {}),
        },
      };
    }
    case 'contacted':
      return {
        status: 'in-progress',
        businessStatus: { coding: [{ system: CODE_SYSTEM.referralBusinessStatus, code: 'contacted' }] },
      };
    case 'complete': {
      const goal = form.goal as ReturnToWorkGoal;
      if (!RETURN_TO_WORK_GOALS.includes(goal)) return 'Choose a return-to-work goal.';
      const adjustments = ADVICE_CODES.filter((c) => form[`adj-${c}`] === 'on').map((code) => ({
        code,
        text: form[`adj-${code}-text`]?.trim() || ADJUSTMENT_WORDS[code],
      }));
      const outcome: ReferralOutcome = {
        returnToWorkGoal: goal,
        adjustments,
        report: {
          title: form.title?.trim() || 'Closing summary',
          text: form.report?.trim() || 'No report text was given.',
        },
      };
      return { status: 'completed', ...outcomeToTask(outcome) };
    }
    default:
      return 'Unknown action.';
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The buttons and small forms for one referral on the provider's page (POST to `action`). */
export function actionForms(action: string, referralId: string, n: number, status: string): string {
  const allowed = new Set<string>(
    (REFERRAL_STATUSES as readonly string[]).includes(status) ? actionsFor(status as ReferralStatus) : [],
  );
  if (allowed.size === 0) return '';
  const hidden = `<input type="hidden" name="referral" value="${escapeHtml(referralId)}">`;
  const button = (name: string, label: string) =>
    `<form method="post" action="${escapeHtml(action)}" class="inline">${hidden}<input type="hidden" name="action" value="${name}"><button type="submit">${label}</button></form>`;
  const reasons = DECLINE_REASONS.map(
    (r) => `<option value="${r}">${escapeHtml(DECLINE_REASON_WORDS[r])}</option>`,
  ).join('');
  const goals = RETURN_TO_WORK_GOALS.map(
    (g) => `<option value="${g}">${escapeHtml(RETURN_TO_WORK_GOAL_WORDS[g])}</option>`,
  ).join('');
  const adjustments = ADVICE_CODES.map(
    (
      c: AdviceCode,
    ) => `<div><input type="checkbox" id="r${n}-${c}" name="adj-${c}"><label for="r${n}-${c}">${escapeHtml(ADJUSTMENT_WORDS[c])}</label>
<label for="r${n}-${c}-text" class="visually-hidden">${escapeHtml(ADJUSTMENT_WORDS[c])}: details</label><input id="r${n}-${c}-text" name="adj-${c}-text" placeholder="details"></div>`,
  ).join('\n');
  return `<div class="actions">
${allowed.has('accept') ? button('accept', 'Accept') : ''}
${allowed.has('contacted') ? button('contacted', 'Mark contacted') : ''}
${
  allowed.has('decline')
    ? `<details><summary>Decline</summary>
<form method="post" action="${escapeHtml(action)}">${hidden}<input type="hidden" name="action" value="decline">
<label for="r${n}-reason">Reason</label><select id="r${n}-reason" name="reason">${reasons}</select>
<label for="r${n}-text">More (needed for “Another reason”)</label><input id="r${n}-text" name="text">
<button type="submit">Decline</button></form></details>`
    : ''
}
${
  allowed.has('complete')
    ? `<details><summary>Complete</summary>
<form method="post" action="${escapeHtml(action)}">${hidden}<input type="hidden" name="action" value="complete">
<label for="r${n}-goal">Return-to-work goal</label><select id="r${n}-goal" name="goal">${goals}</select>
<fieldset><legend>Adjustments for the next fit note</legend>
${adjustments}
</fieldset>
<label for="r${n}-title">Report title</label><input id="r${n}-title" name="title" value="Closing summary">
<label for="r${n}-report">Report</label><textarea id="r${n}-report" name="report" rows="3"></textarea>
<button type="submit">Complete</button></form></details>`
    : ''
}
</div>`;
}

export const ACTION_STYLE = `  .actions form.inline { display: inline; }
  .actions details { margin: .25rem 0; }
  .actions label { display: block; margin-top: .25rem; }
  .actions input:not([type=checkbox]), .actions select, .actions textarea { max-width: 100%; }
  .actions fieldset label { display: inline; }
  .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  .notice { border-left: 6px solid #005eb8; background: #fff; padding: .5rem 1rem; }
`;
