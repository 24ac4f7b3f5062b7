/**
 * POST /cds-services/fitnote-prompt/feedback: what GPs did with prompts, recorded for the practice's
 * figures (issue 5 item 5; src/domain/figures.ts counts them).
 *
 * - Who: the GP app with its SMART access token (the same check as /referrals). The practice named in
 *   the items must have a configuration at this hub.
 * - Body: CDS Hooks 2.0 feedback, `{ feedback: [{ card, outcome?, outcomeTimestamp, acceptedSuggestions?,
 *   overrideReason?: { reason?: Coding, userComment? }, extension: { 'fitnote-prompt': { practice, ruleId,
 *   action, referralId?, providerId?, snooze? } } }] }`. Departure from CDS Hooks, documented: a `shown`
 *   item has no outcome (CDS Hooks has no "shown"), and `snoozed` has none or `overridden`.
 * - Stored per item: practice, card uuid, rule, action, time, the GP (fhirUser), the override reason
 *   code or snooze kind, the referral id and provider. `userComment` is never stored: it may hold
 *   patient detail. The card uuid is a digest, not patient data.
 * - 200 `{ stored: n }` (n newly stored: the same item sent again is not counted twice). Any bad item →
 *   400 naming the item's index and field, and nothing is stored. One `prompt-feedback` audit record
 *   per request, without patient data.
 */
import type { FastifyInstance } from 'fastify';
import { OVERRIDE_REASONS } from '../../domain/codes.js';
import { ConfigBrokenError, normaliseOds } from '../config/source.js';
import { HubError, type Problem } from '../errors.js';
import { PROMPT_ACTIONS, type PromptAction, type PromptEvent } from '../store/types.js';
import { agentOf, authenticate, type RouteDeps } from './deps.js';

export const FEEDBACK_PATH = '/cds-services/fitnote-prompt/feedback';
/** The most items one request may carry. */
export const MAX_FEEDBACK_ITEMS = 200;
/** How far ahead of the hub's clock an outcomeTimestamp may be (clock skew), ms. */
const FUTURE_SLACK_MS = 10 * 60_000;
const EARLIEST = Date.parse('2020-01-01T00:00:00Z');

const CARD = /^[A-Za-z0-9\-.:]{1,100}$/;
const RULE_ID = /^[A-Za-z0-9][A-Za-z0-9\-._]{0,99}$/;
const REFERRAL_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const PROVIDER_ID = /^[A-Za-z0-9\-._]{1,64}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const SNOOZES = ['until-next-note', 'until-date'] as const;
const OVERRIDES = new Set<string>(OVERRIDE_REASONS);

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The outcome an action may carry (undefined: none allowed). */
function outcomesFor(action: PromptAction): readonly string[] {
  if (action === 'shown') return [];
  if (action === 'overridden') return ['overridden'];
  if (action === 'snoozed') return ['overridden'];
  return ['accepted'];
}

/**
 * Reads the body into events, or lists every problem (each naming `feedback[i].field`). Pure, so the
 * route test and others can check it without a hub.
 */
export function parseFeedback(
  body: unknown,
  agent: string,
  now: number,
): { ok: true; events: PromptEvent[] } | { ok: false; problems: Problem[] } {
  const problems: Problem[] = [];
  const bad = (expression: string, text: string) => problems.push({ code: 'invalid', expression, text });
  if (!isObject(body) || !Array.isArray(body.feedback)) {
    bad('feedback', 'The body must be CDS Hooks feedback: an object with a "feedback" list of items.');
    return { ok: false, problems };
  }
  const items = body.feedback as unknown[];
  if (items.length === 0) bad('feedback', 'The "feedback" list is empty: send at least one item.');
  if (items.length > MAX_FEEDBACK_ITEMS)
    bad(
      'feedback',
      `The "feedback" list has ${items.length} items; send at most ${MAX_FEEDBACK_ITEMS} at once.`,
    );
  if (problems.length > 0) return { ok: false, problems };

  const events: PromptEvent[] = [];
  items.forEach((item, i) => {
    const at = `feedback[${i}]`;
    const before = problems.length;
    if (!isObject(item)) {
      bad(at, `Item ${i} is not an object.`);
      return;
    }
    const card = item.card;
    if (typeof card !== 'string' || !CARD.test(card))
      bad(`${at}.card`, `Item ${i}: "card" must be the card's uuid (letters, digits, "-"; at most 100).`);
    const ts = item.outcomeTimestamp;
    const time = typeof ts === 'string' && TIMESTAMP.test(ts) ? Date.parse(ts) : Number.NaN;
    if (Number.isNaN(time)) {
      bad(
        `${at}.outcomeTimestamp`,
        `Item ${i}: "outcomeTimestamp" must be a date and time with its zone, e.g. 2026-11-21T09:30:00Z.`,
      );
    } else if (time < EARLIEST || time > now + FUTURE_SLACK_MS) {
      bad(
        `${at}.outcomeTimestamp`,
        `Item ${i}: "outcomeTimestamp" ${ts} is not a time the prompt could have been answered.`,
      );
    }
    const ext = isObject(item.extension) ? item.extension['fitnote-prompt'] : undefined;
    if (!isObject(ext)) {
      bad(
        `${at}.extension.fitnote-prompt`,
        `Item ${i}: "extension"."fitnote-prompt" is missing: it says which practice, rule and action the item is about.`,
      );
      return;
    }
    const x = `${at}.extension.fitnote-prompt`;
    const practice = typeof ext.practice === 'string' ? normaliseOds(ext.practice) : undefined;
    if (practice === undefined)
      bad(`${x}.practice`, `Item ${i}: "practice" must be the practice's ODS code, e.g. A99999.`);
    const ruleId = ext.ruleId;
    if (typeof ruleId !== 'string' || !RULE_ID.test(ruleId))
      bad(`${x}.ruleId`, `Item ${i}: "ruleId" must be the id of the rule that made the prompt.`);
    const action = ext.action;
    if (typeof action !== 'string' || !(PROMPT_ACTIONS as readonly string[]).includes(action)) {
      bad(`${x}.action`, `Item ${i}: "action" must be one of ${PROMPT_ACTIONS.join(', ')}.`);
      return;
    }
    const act = action as PromptAction;
    const outcome = item.outcome;
    const allowed = outcomesFor(act);
    if (outcome !== undefined && !allowed.includes(outcome as string)) {
      bad(
        `${at}.outcome`,
        allowed.length === 0
          ? `Item ${i}: a "${act}" item has no outcome (the prompt was only shown).`
          : `Item ${i}: a "${act}" item's outcome must be ${allowed.join(' or ')}.`,
      );
    }
    let reasonCode: string | undefined;
    if (act === 'overridden') {
      const reason = isObject(item.overrideReason) ? item.overrideReason.reason : undefined;
      const code = isObject(reason) ? reason.code : undefined;
      if (typeof code !== 'string' || !OVERRIDES.has(code))
        bad(
          `${at}.overrideReason.reason.code`,
          `Item ${i}: an "overridden" item needs the reason's code, one of ${OVERRIDE_REASONS.join(', ')}.`,
        );
      else reasonCode = code;
    }
    if (act === 'snoozed' && ext.snooze !== undefined) {
      if (typeof ext.snooze !== 'string' || !(SNOOZES as readonly string[]).includes(ext.snooze))
        bad(`${x}.snooze`, `Item ${i}: "snooze" must be ${SNOOZES.join(' or ')}.`);
      else reasonCode = ext.snooze;
    }
    const referralId = ext.referralId;
    if (referralId !== undefined && (typeof referralId !== 'string' || !REFERRAL_ID.test(referralId)))
      bad(`${x}.referralId`, `Item ${i}: "referralId" must be the referral's id as the hub shows it.`);
    const providerId = ext.providerId;
    if (providerId !== undefined && (typeof providerId !== 'string' || !PROVIDER_ID.test(providerId)))
      bad(`${x}.providerId`, `Item ${i}: "providerId" must be a provider id from the practice directory.`);
    if (problems.length > before) return;
    events.push({
      practiceOds: practice as string,
      card: card as string,
      ruleId: ruleId as string,
      action: act,
      at: time,
      agent,
      ...(reasonCode !== undefined ? { reasonCode } : {}),
      ...(act === 'referred' && referralId !== undefined ? { referralId: referralId as string } : {}),
      ...(act === 'referred' && providerId !== undefined ? { providerId: providerId as string } : {}),
    });
  });
  if (problems.length > 0) return { ok: false, problems: problems.slice(0, 20) };
  const practices = new Set(events.map((e) => e.practiceOds));
  if (practices.size > 1) {
    const first = events[0]?.practiceOds;
    const other = events.findIndex((e) => e.practiceOds !== first);
    bad(
      `feedback[${other}].extension.fitnote-prompt.practice`,
      `Item ${other}: every item of one request must be for the same practice (item 0 is for ${first}).`,
    );
    return { ok: false, problems };
  }
  return { ok: true, events };
}

/** Whether the hub holds settings for the practice: a file (even a broken one, the IT lead's to fix) or a stored version. */
async function practiceKnown(deps: RouteDeps, ods: string): Promise<boolean> {
  try {
    if ((await deps.configs.source.get(ods)) !== undefined) return true;
  } catch (error) {
    if (error instanceof ConfigBrokenError) return true;
    throw error;
  }
  return (await deps.store.publishedConfigVersion(ods, 'rules')) !== undefined;
}

export function registerFeedbackRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.post(FEEDBACK_PATH, async (request, reply) => {
    const token = await authenticate(deps, request);
    const agent = agentOf(token);
    const parsed = parseFeedback(request.body, agent, deps.now());
    if (!parsed.ok) throw new HubError(400, parsed.problems);
    const practiceOds = (parsed.events[0] as PromptEvent).practiceOds;
    if (!(await practiceKnown(deps, practiceOds))) {
      throw new HubError(404, {
        code: 'not-found',
        expression: 'feedback[0].extension.fitnote-prompt.practice',
        text: `The hub has no settings for the practice ${practiceOds}, so it does not keep prompt figures for it. Ask the practice IT lead to set the practice up at the hub.`,
      });
    }
    const stored = await deps.store.recordPromptEvents(parsed.events);
    const actions: Record<string, number> = {};
    for (const e of parsed.events) actions[e.action] = (actions[e.action] ?? 0) + 1;
    const summary = Object.entries(actions)
      .map(([a, n]) => `${n} ${a}`)
      .join(', ');
    await deps.store.appendAudit({
      action: 'prompt-feedback',
      outcome: '0',
      agent,
      practiceOds,
      at: deps.now(),
      detail: {
        text: `The GP app reported what was done with prompts (${summary}); ${stored} new.`,
        actions,
        received: parsed.events.length,
        stored,
      },
    });
    reply.header('Cache-Control', 'no-store');
    return reply.code(200).send({ stored });
  });
}
