/**
 * The shipped national defaults: the rules a practice starts from. Every threshold names its source
 * in the research behind the product (see shared/research): a practice's IT lead overrides them
 * locally. Supersession keeps prompts few: when a later threshold fires it replaces the earlier ones
 * for that episode, so a GP who first sees a patient at six weeks gets one prompt, not three; the
 * repeat-note and recurrence prompts replace the general two- and four-week ones, and give way to the
 * six-week and three-month ones.
 */
import type { RulesFileInput } from './rules.js';

export const DEFAULT_RULES: RulesFileInput = {
  schemaVersion: 1,
  episodeGapDays: 7,
  expectedDurations: [
    {
      label: 'Musculoskeletal conditions: usually back at work within 6 weeks',
      conditionGroup: 'msk',
      days: 42,
    },
    {
      label: 'Common mental health conditions: usually back at work within 3 months',
      conditionGroup: 'mental-health',
      days: 90,
    },
  ],
  rules: [
    {
      id: 'two-weeks-early-advice',
      title: 'Off work two weeks: offer early work and health advice',
      enabled: true,
      when: { absenceDaysAtLeast: 14 },
      employmentStatus: ['employed', 'self-employed'],
      indicator: 'info',
      summary: 'Off work {{absenceWeeks}} weeks ({{condition}}): early work and health advice may help',
      detail:
        'Most GPs in the study preferred the two-week point, when most patients first ask for a fit note: acting early keeps people from sliding into long-term worklessness.',
      providers: ['work-coach-service', 'msk-physio-fast-track', 'talking-therapies-employment'],
      source: {
        label: 'GP user-needs study of work and health services (PRUComm, 2022): the two-week point',
      },
    },
    {
      id: 'four-weeks-review',
      title: 'Off work four weeks: the sickness absence review access point',
      enabled: true,
      when: { absenceDaysAtLeast: 28 },
      employmentStatus: ['employed', 'self-employed'],
      indicator: 'info',
      summary: 'Off work {{absenceWeeks}} weeks ({{condition}}): consider a work and health assessment',
      detail:
        'The independent review of sickness absence (Black and Frost, 2011) proposed that an assessment service should usually be reached after four weeks off work.',
      providers: ['local-oh-service', 'work-coach-service', 'talking-therapies-employment'],
      source: { label: 'Independent review of sickness absence (Black and Frost, 2011): four weeks' },
      supersedes: ['two-weeks-early-advice'],
    },
    {
      id: 'six-weeks-oh',
      title: 'Off work six weeks: offer an occupational health assessment',
      enabled: true,
      when: { absenceDaysAtLeast: 42 },
      conditionGroups: ['msk', 'mental-health'],
      employmentStatus: ['employed', 'self-employed'],
      indicator: 'warning',
      summary: 'Off work {{absenceWeeks}} weeks ({{condition}}): consider an occupational health assessment',
      detail:
        'Six weeks was the most common point GPs chose for referral to an occupational health assessment (range 4 weeks to 3 months); past six weeks an absence is likely to become long term.',
      providers: ['local-oh-service', 'msk-physio-fast-track'],
      source: { label: 'DWP GP focus groups on an assessment service (2012), Table 4.1: mode of 6 weeks' },
      supersedes: ['two-weeks-early-advice', 'four-weeks-review', 'fourth-note-one-episode'],
    },
    {
      id: 'three-months-case-managed',
      title: 'Off work three months: offer case-managed support',
      enabled: true,
      when: { absenceDaysAtLeast: 90 },
      employmentStatus: ['employed', 'self-employed'],
      indicator: 'warning',
      summary:
        'Off work {{absenceWeeks}} weeks ({{condition}}): consider case-managed return-to-work support',
      detail:
        'For conditions needing psychological input or workplace mediation, GPs most often chose three months (range 4 weeks to 6 months) for case-managed support.',
      providers: ['case-managed-support'],
      source: { label: 'DWP GP focus groups on an assessment service (2012), Table 4.1: mode of 3 months' },
      supersedes: ['two-weeks-early-advice', 'four-weeks-review', 'six-weeks-oh', 'fourth-note-one-episode'],
    },
    {
      id: 'third-episode-12-months',
      title: 'Third episode off work in 12 months',
      enabled: true,
      when: { episodesIn12MonthsAtLeast: 3 },
      employmentStatus: ['employed', 'self-employed'],
      indicator: 'warning',
      summary:
        'Off work again: episode {{episodesIn12Months}} in 12 months ({{condition}}): consider an assessment',
      detail:
        'Recurrent absence with the same problem (the recurrent back-pain vignette) suggests the work itself needs assessing.',
      providers: ['local-oh-service', 'msk-physio-fast-track'],
      source: { label: 'DWP GP focus groups (2012): recurrent-absence vignette, third episode in 12 months' },
      supersedes: ['two-weeks-early-advice', 'four-weeks-review'],
    },
    {
      id: 'fourth-note-one-episode',
      title: 'Fourth fit note in one episode: break the fit-note cycle',
      enabled: true,
      when: { noteCountAtLeast: 4 },
      employmentStatus: ['employed', 'self-employed'],
      indicator: 'info',
      summary:
        'Fit note {{noteCount}} in this absence ({{condition}}): a work and health referral may break the cycle',
      detail:
        'GPs described repeat fit notes issued for lack of time or a suitable service; a work and health service was seen as a way to break the cycle.',
      providers: ['local-oh-service', 'work-coach-service', 'case-managed-support'],
      source: {
        label: 'GP user-needs study of work and health services (PRUComm, 2022): the fit-note cycle',
      },
      supersedes: ['two-weeks-early-advice', 'four-weeks-review'],
    },
    {
      id: 'longer-than-expected',
      title: 'Off work longer than expected for the condition',
      enabled: false,
      when: { exceedsExpectedDuration: true },
      employmentStatus: ['employed', 'self-employed'],
      indicator: 'info',
      summary: 'Off work {{absenceWeeks}} weeks, longer than usual for {{condition}}: consider a referral',
      detail:
        'GPs suggested referring when the time off has exceeded what they believe typical for the condition; the practice sets the table.',
      providers: ['local-oh-service'],
      source: {
        label: 'DWP GP focus groups (2012), Table 4.1 option B: longer than typical for the condition',
      },
    },
  ],
};
