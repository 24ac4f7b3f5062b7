/**
 * The one evaluation the CLI, the GP app, the hub and CDS Hooks all use:
 * fit notes → episodes → rules → CDS Hooks 2.0 cards. Pure: "today" and everything else is input.
 */
import { CANONICAL_BASE, CODE_SYSTEM, ID_SYSTEM, OVERRIDE_REASONS, type OverrideReason } from './codes.js';
import { type ConditionGroupId, groupOfCoding, groupsOfCondition } from './conditionGroups.js';
import { type CalendarDate, longDate, parseCalendarDate } from './dates.js';
import { type Provider, SERVICE_TYPE_LABELS } from './directory.js';
import { rankProviders } from './eligibility.js';
import { currentEpisode, type Episode, episodesOf } from './episodes.js';
import type { FitNote, FitNoteCondition, UnreadableFitNote } from './fitnote.js';
import { ageOn, type PatientFacts } from './patient.js';
import { type Rule, type RulesFile, renderSummary } from './rules.js';
import { stableUuid } from './stableId.js';

export const OVERRIDE_REASON_DISPLAY: Record<OverrideReason, string> = {
  'patient-declined': 'Patient declined',
  'already-receiving-support': 'Already receiving support',
  'employer-oh-in-place': 'Employer occupational health in place',
  'not-clinically-appropriate': 'Not clinically appropriate',
  other: 'Other',
};

/** A referral already in the record (ServiceRequest/Task), as far as suppression needs it. */
export interface ExistingReferral {
  ref: string;
  /** Date the referral was made. */
  authoredOn: CalendarDate;
  /** True while the referral is live (requested, accepted, in progress); false once closed or cancelled. */
  active: boolean;
}

/** What the GP did with a prompt: CDS Hooks feedback, plus snooze, keyed to the card uuid. */
export interface PromptFeedback {
  card: string;
  outcome: 'accepted' | 'overridden' | 'snoozed';
  outcomeTimestamp: string;
  overrideReason?: { reason?: { system: string; code: string; display?: string }; userComment?: string };
  /**
   * For snoozes: until a date (exclusive), or until the episode has a fit note it did not have when
   * snoozed: more than `noteCount` notes (a note issued the same day counts), or — for answers recorded
   * before `noteCount` was kept — a note issued after `latestIssued`.
   */
  snooze?: { until?: CalendarDate; untilNextNote?: boolean; latestIssued?: CalendarDate; noteCount?: number };
}

export interface CardLink {
  label: string;
  url: string;
  type: 'absolute' | 'smart';
  appContext?: string;
}

/** A provider the rule names, with whether this patient can be referred to it. */
export interface ProviderOption {
  id: string;
  name: string;
  eligible: boolean;
  /** Why not, when not eligible. */
  reasons: string[];
  /** What to check with the patient, when eligible on what the record shows. */
  toConfirm: string[];
  waitingTimeDays: number;
}

/** A CDS Hooks suggestion: open a referral to one provider (a draft ServiceRequest to create). */
export interface CardSuggestion {
  label: string;
  uuid: string;
  isRecommended: boolean;
  actions: Array<{ type: 'create'; description: string; resource: Record<string, unknown> }>;
}

export interface Card {
  uuid: string;
  summary: string;
  detail: string;
  indicator: Rule['indicator'];
  source: { label: string; url?: string; topic?: { system: string; code: string; display: string } };
  links?: CardLink[];
  suggestions?: CardSuggestion[];
  selectionBehavior?: 'at-most-one';
  overrideReasons: Array<{ system: string; code: string; display: string }>;
  extension: {
    ruleId: string;
    episodeStart: CalendarDate;
    /** One line a GP reads first: "Off work 6 weeks, 3 fit notes, low back pain". */
    reason: string;
    /** Each fact that made the rule fire, and anything to confirm with the patient. */
    facts: string[];
    toConfirm: string[];
    /** Provider ids the practice attached to the rule, in the rule's order. */
    providers: string[];
    /** With a directory: those providers ranked for this patient, eligible first, with reasons. */
    providerOptions?: ProviderOption[];
  };
}

export interface EvaluationInput {
  patient: PatientFacts;
  notes: readonly FitNote[];
  unreadable?: readonly UnreadableFitNote[];
  rules: RulesFile;
  today: CalendarDate;
  referrals?: readonly ExistingReferral[];
  feedback?: readonly PromptFeedback[];
  /** Where the referral form opens (a SMART launch URL); adds a `smart` link to each card. */
  appLaunchUrl?: string;
  /** The practice's provider directory: ranks each rule's providers for this patient. */
  directory?: readonly Provider[];
}

export interface Evaluation {
  episodes: Episode[];
  cards: Card[];
  unreadable: UnreadableFitNote[];
}

const GROUP_NAMES: Record<ConditionGroupId, string> = {
  msk: 'musculoskeletal',
  'mental-health': 'mental health',
};

/** The readable name of a condition: its text, else a coding's display, else its code. */
export function conditionName(condition: FitNoteCondition): string {
  const text = condition.text?.trim();
  if (text) return text;
  const coding = condition.codings.find((c) => c.display) ?? condition.codings[0];
  return coding ? (coding.display ?? `${coding.code}`) : 'condition not stated';
}

function conditionsText(conditions: readonly FitNoteCondition[]): string {
  if (conditions.length === 0) return 'condition not recorded';
  const names = conditions.slice(0, 2).map(conditionName);
  return conditions.length > 2
    ? `${names.join(', ')} and ${conditions.length - 2} more`
    : names.join(' and ');
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function episodeGroups(episode: Episode): ConditionGroupId[] {
  const groups: ConditionGroupId[] = [];
  for (const c of episode.conditions)
    for (const g of groupsOfCondition(c)) if (!groups.includes(g)) groups.push(g);
  return groups;
}

function expectedDays(rules: RulesFile, episode: Episode): { days: number; label: string } | undefined {
  let best: { days: number; label: string } | undefined;
  for (const entry of rules.expectedDurations ?? []) {
    const matches = episode.conditions.some((c) =>
      entry.conditionGroup !== undefined
        ? c.codings.some((k) => groupOfCoding(k.system, k.code) === entry.conditionGroup)
        : c.codings.some((k) => k.system === entry.system && k.code === entry.code),
    );
    // A specific code beats a group; among equals the shortest expectation applies.
    if (matches && (best === undefined || entry.days < best.days))
      best = { days: entry.days, label: entry.label };
  }
  return best;
}

interface Firing {
  rule: Rule;
  facts: string[];
  toConfirm: string[];
}

function ageOutside(rule: Rule, age: number): boolean {
  const range = rule.ageRange;
  return (
    range !== undefined &&
    ((range.min !== undefined && age < range.min) || (range.max !== undefined && age > range.max))
  );
}

/**
 * Whether a rule holds for the current episode (no allocation: this runs for every rule and patient).
 * `groups` are the episode's condition groups, when the caller has them.
 */
export function ruleHolds(
  rule: Rule,
  episode: Episode,
  patient: PatientFacts,
  rules: RulesFile,
  today: CalendarDate,
  groups: readonly ConditionGroupId[] = episodeGroups(episode),
): boolean {
  if (!rule.enabled) return false;
  const { when } = rule;
  if (when.absenceDaysAtLeast !== undefined && episode.absenceDays < when.absenceDaysAtLeast) return false;
  if (when.noteCountAtLeast !== undefined && episode.noteCount < when.noteCountAtLeast) return false;
  if (
    when.episodesIn12MonthsAtLeast !== undefined &&
    episode.episodesIn12Months < when.episodesIn12MonthsAtLeast
  )
    return false;
  if (when.firstNote && episode.noteCount !== 1) return false;
  if (
    rule.employmentStatus !== undefined &&
    patient.employmentStatus !== 'unknown' &&
    !(rule.employmentStatus as readonly string[]).includes(patient.employmentStatus)
  ) {
    return false;
  }
  if (rule.mayBeFitOnly && episode.latestFitness !== 'may-be-fit') return false;
  if (rule.ageRange !== undefined) {
    const age = ageOn(patient.birthDate, today);
    if (age !== undefined && ageOutside(rule, age)) return false;
  }
  if (rule.conditionGroups !== undefined) {
    const wanted = rule.conditionGroups;
    let found = false;
    for (const g of groups) if (wanted.includes(g)) found = true;
    if (!found) return false;
  }
  if (when.exceedsExpectedDuration) {
    const expected = expectedDays(rules, episode);
    if (expected === undefined || episode.absenceDays <= expected.days) return false;
  }
  return true;
}

/** Why a rule that holds fired: each fact, and what to confirm with the patient. */
function explain(
  rule: Rule,
  episode: Episode,
  patient: PatientFacts,
  rules: RulesFile,
  today: CalendarDate,
): Firing {
  const facts: string[] = [];
  const toConfirm: string[] = [];
  const { when } = rule;
  if (when.absenceDaysAtLeast !== undefined) {
    facts.push(
      `Off work ${plural(Math.floor(episode.absenceDays / 7), 'week')} (${plural(episode.absenceDays, 'day')}) since ${longDate(episode.start)}`,
    );
  }
  if (when.noteCountAtLeast !== undefined)
    facts.push(`${plural(episode.noteCount, 'fit note')} in this absence`);
  if (when.episodesIn12MonthsAtLeast !== undefined)
    facts.push(`${plural(episode.episodesIn12Months, 'episode')} off work in 12 months`);
  if (when.firstNote) facts.push('First fit note of this absence');
  if (when.exceedsExpectedDuration) {
    const expected = expectedDays(rules, episode) as { days: number; label: string };
    facts.push(
      `Off ${plural(episode.absenceDays, 'day')}, more than the ${expected.days} expected (${expected.label})`,
    );
  }
  if (rule.conditionGroups !== undefined) {
    const groups = episodeGroups(episode).filter((g) => rule.conditionGroups?.includes(g));
    facts.push(
      `Condition: ${conditionsText(episode.conditions)} (${groups.map((g) => GROUP_NAMES[g]).join(', ')})`,
    );
  }
  if (rule.employmentStatus !== undefined && patient.employmentStatus === 'unknown') {
    toConfirm.push('Employment status is not recorded: confirm the patient is in work');
  }
  if (rule.ageRange !== undefined && ageOn(patient.birthDate, today) === undefined) {
    toConfirm.push('Date of birth is not recorded: confirm the patient’s age');
  }
  if (rule.mayBeFitOnly) facts.push('Latest fit note says “may be fit for work”');
  return { rule, facts, toConfirm };
}

/** Checks one rule against the current episode; returns why it fires, or undefined. */
export function ruleFires(
  rule: Rule,
  episode: Episode,
  patient: PatientFacts,
  rules: RulesFile,
  today: CalendarDate,
): Firing | undefined {
  return ruleHolds(rule, episode, patient, rules, today)
    ? explain(rule, episode, patient, rules, today)
    : undefined;
}

/** Rules that fire for the episode, after supersession, in file order. */
export function firingRules(
  episode: Episode,
  patient: PatientFacts,
  rules: RulesFile,
  today: CalendarDate,
): Rule[] {
  const groups = episodeGroups(episode);
  const firing: Rule[] = [];
  for (const rule of rules.rules) {
    if (ruleHolds(rule, episode, patient, rules, today, groups)) firing.push(rule);
  }
  if (firing.length < 2) return firing;
  const superseded = new Set<string>();
  for (const rule of firing) for (const id of rule.supersedes ?? []) superseded.add(id);
  return superseded.size === 0 ? firing : firing.filter((rule) => !superseded.has(rule.id));
}

/** The stable uuid of the card a rule raises for an episode (per note with `repeat: each-note`). */
export function cardUuid(patient: PatientFacts, episode: Episode, rule: Rule): string {
  const who = patient.nhsNumber ?? `Patient/${patient.id}`;
  return rule.repeat === 'each-note'
    ? stableUuid('card', who, episode.start, rule.id, episode.latestIssued)
    : stableUuid('card', who, episode.start, rule.id);
}

function isSuppressed(uuid: string, episode: Episode, input: EvaluationInput): boolean {
  const start = parseCalendarDate(episode.start) as number;
  for (const referral of input.referrals ?? []) {
    const authored = parseCalendarDate(referral.authoredOn);
    if (referral.active && authored !== undefined && authored >= start) return true;
  }
  const today = parseCalendarDate(input.today) as number;
  for (const fb of input.feedback ?? []) {
    if (fb.card !== uuid) continue;
    if (fb.outcome !== 'snoozed') return true;
    const until = fb.snooze?.until === undefined ? undefined : parseCalendarDate(fb.snooze.until);
    if (until !== undefined && today < until) return true;
    if (fb.snooze?.untilNextNote) {
      const { noteCount, latestIssued } = fb.snooze;
      if (
        noteCount !== undefined
          ? episode.noteCount <= noteCount
          : latestIssued !== undefined && episode.latestIssued <= latestIssued
      )
        return true;
    }
  }
  return false;
}

/** The draft ServiceRequest a suggestion proposes; the referral form completes it (see referral.ts). */
function draftServiceRequest(
  patient: PatientFacts,
  episode: Episode,
  provider: Provider,
): Record<string, unknown> {
  const service = provider.services[0];
  return {
    resourceType: 'ServiceRequest',
    status: 'draft',
    intent: 'order',
    subject: { reference: `Patient/${patient.id}` },
    ...(service
      ? {
          code: {
            coding: [
              {
                system: CODE_SYSTEM.referralServiceType,
                code: service,
                display: SERVICE_TYPE_LABELS[service],
              },
            ],
          },
        }
      : {}),
    performer: [
      {
        type: 'HealthcareService',
        identifier: { system: ID_SYSTEM.provider, value: provider.id },
        display: provider.name,
      },
    ],
    reasonReference: episode.noteRefs.map((reference) => ({ reference })),
  };
}

function buildCard(firing: Firing, episode: Episode, input: EvaluationInput): Card {
  const { rule } = firing;
  const uuid = cardUuid(input.patient, episode, rule);
  const weeks = Math.floor(episode.absenceDays / 7);
  const summary = renderSummary(rule.summary, {
    absenceWeeks: String(weeks),
    absenceDays: String(episode.absenceDays),
    noteCount: String(episode.noteCount),
    episodesIn12Months: String(episode.episodesIn12Months),
    episodeStart: episode.start,
    condition: conditionsText(episode.conditions),
  });
  const reason = [
    `Off work ${weeks >= 2 ? plural(weeks, 'week') : plural(episode.absenceDays, 'day')}`,
    plural(episode.noteCount, 'fit note'),
    ...(episode.episodesIn12Months > 1 ? [`episode ${episode.episodesIn12Months} in 12 months`] : []),
    conditionsText(episode.conditions),
  ].join(', ');
  const detail = [
    ...firing.facts.map((f) => `- ${f}`),
    ...firing.toConfirm.map((f) => `- To confirm: ${f}`),
    ...(episode.latestFitness === 'may-be-fit' ? ['- Latest fit note: may be fit for work'] : []),
    ...(rule.detail ? ['', rule.detail] : []),
  ].join('\n');
  const card: Card = {
    uuid,
    summary,
    detail,
    indicator: rule.indicator,
    source: {
      label: rule.source.label,
      ...(rule.source.url ? { url: rule.source.url } : {}),
      topic: { system: `${CANONICAL_BASE}/prompt-rule`, code: rule.id, display: rule.title },
    },
    overrideReasons: OVERRIDE_REASONS.map((code) => ({
      system: CODE_SYSTEM.promptOverrideReason,
      code,
      display: OVERRIDE_REASON_DISPLAY[code],
    })),
    extension: {
      ruleId: rule.id,
      episodeStart: episode.start,
      reason,
      facts: firing.facts,
      toConfirm: firing.toConfirm,
      providers: rule.providers,
    },
  };
  if (input.directory !== undefined) {
    const named = input.directory.filter((p) => rule.providers.includes(p.id));
    const facts = { ...input.patient, today: input.today, conditionGroups: episodeGroups(episode) };
    const options: ProviderOption[] = rankProviders(facts, named).map(({ provider, result }) => ({
      id: provider.id,
      name: provider.name,
      eligible: result.eligible,
      reasons: result.eligible ? [] : result.reasons,
      toConfirm: result.eligible ? result.toConfirm : [],
      waitingTimeDays: provider.waitingTimeDays,
    }));
    card.extension.providerOptions = options;
    const eligible = named.filter((p) => options.some((o) => o.id === p.id && o.eligible));
    if (eligible.length > 0) {
      card.selectionBehavior = 'at-most-one';
      card.suggestions = options
        .filter((o) => o.eligible)
        .map((o, i) => {
          const provider = eligible.find((p) => p.id === o.id) as Provider;
          return {
            label: `Refer to ${provider.name}`,
            uuid: stableUuid('suggestion', uuid, provider.id),
            isRecommended: i === 0,
            actions: [
              {
                type: 'create' as const,
                description: `Open a referral to ${provider.name}, prefilled from the record`,
                resource: draftServiceRequest(input.patient, episode, provider),
              },
            ],
          };
        });
    }
  }
  if (input.appLaunchUrl) {
    card.links = [
      {
        label: 'Refer to a work and health provider',
        url: input.appLaunchUrl,
        type: 'smart',
        appContext: JSON.stringify({ ruleId: rule.id, episodeStart: episode.start, card: uuid }),
      },
    ];
  }
  return card;
}

/** Evaluates one patient's fit notes against the practice's rules. */
export function evaluate(input: EvaluationInput): Evaluation {
  const episodes = episodesOf(input.notes, {
    today: input.today,
    episodeGapDays: input.rules.episodeGapDays,
  });
  const unreadable = input.unreadable === undefined ? [] : input.unreadable.slice();
  const episode = currentEpisode(episodes);
  if (episode === undefined) return { episodes, cards: [], unreadable };
  const cards: Card[] = [];
  for (const rule of firingRules(episode, input.patient, input.rules, input.today)) {
    const uuid = cardUuid(input.patient, episode, rule);
    if (!isSuppressed(uuid, episode, input)) {
      cards.push(buildCard(explain(rule, episode, input.patient, input.rules, input.today), episode, input));
    }
  }
  const rank = { critical: 0, warning: 1, info: 2 } as const;
  cards.sort((a, b) => rank[a.indicator] - rank[b.indicator]);
  return { episodes, cards, unreadable };
}
