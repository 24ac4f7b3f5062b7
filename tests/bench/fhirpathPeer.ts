/**
 * The comparison the bench measures against: the same evaluation written the way peers write CDS
 * logic, as FHIRPath expressions evaluated with the `fhirpath` package (compiled once, with the R4
 * model). FHIRPath reads each fit note's fields from the Bundle and tests each rule's conditions;
 * grouping notes into episodes has no FHIRPath form, so it reuses the project's episodesOf.
 */
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4';
import { SNOMED } from '../../src/domain/codes.js';
import { currentEpisode, type Episode, episodesOf } from '../../src/domain/episodes.js';
import type { FitNote } from '../../src/domain/fitnote.js';
import type { Rule, RulesFile } from '../../src/domain/rules.js';

type Compiled = (resource: unknown, env?: Record<string, unknown>) => unknown[];
const compile = (expression: string): Compiled =>
  fhirpath.compile(expression, r4model) as unknown as Compiled;

const fitNotes = compile(
  `Bundle.entry.resource.where(resourceType = 'Observation' and status in ('final' | 'amended' | 'corrected') and code.coding.where(system = '${SNOMED}' and code = '365524007').exists())`,
);
const patient = compile(`Bundle.entry.resource.where(resourceType = 'Patient').first()`);
const start = compile('Observation.effective.start');
const end = compile('Observation.effective.end');
const issued = compile('Observation.issued');
const mayBeFit = compile(
  `Observation.value.coding.where(system = '${SNOMED}' and code = '225891002').exists()`,
);
const diagnoses = compile(
  `Observation.component.where(code.coding.where(code = '439401001').exists()).value`,
);
const id = compile('Observation.id');

/** The rule's `when` and filters as one FHIRPath boolean over %episode and %patient. */
function ruleExpression(rule: Rule): string {
  const parts: string[] = [];
  const { when } = rule;
  if (when.absenceDaysAtLeast !== undefined) parts.push(`%episode.absenceDays >= ${when.absenceDaysAtLeast}`);
  if (when.noteCountAtLeast !== undefined) parts.push(`%episode.noteCount >= ${when.noteCountAtLeast}`);
  if (when.episodesIn12MonthsAtLeast !== undefined)
    parts.push(`%episode.episodesIn12Months >= ${when.episodesIn12MonthsAtLeast}`);
  if (when.firstNote) parts.push('%episode.noteCount = 1');
  if (rule.conditionGroups !== undefined) {
    parts.push(
      `%episode.groups.where($this in (${rule.conditionGroups.map((g) => `'${g}'`).join(' | ')})).exists()`,
    );
  }
  if (rule.employmentStatus !== undefined) {
    parts.push(
      `(%patient.employment = 'unknown' or %patient.employment in (${rule.employmentStatus.map((s) => `'${s}'`).join(' | ')}))`,
    );
  }
  if (rule.mayBeFitOnly) parts.push(`%episode.latestFitness = 'may-be-fit'`);
  return parts.length === 0 ? 'true' : parts.join(' and ');
}

export function compileRules(rules: RulesFile): Array<{ rule: Rule; test: Compiled }> {
  return rules.rules
    .filter((r) => r.enabled && !r.when.exceedsExpectedDuration && !r.ageRange)
    .map((rule) => ({ rule, test: compile(ruleExpression(rule)) }));
}

/** London calendar date of a FHIR dateTime, the short way (the bench data is all date-only or Z). */
const day = (value: unknown) => (typeof value === 'string' ? value.slice(0, 10) : undefined);

export function evaluateWithFhirPath(
  bundle: unknown,
  rules: RulesFile,
  compiled: Array<{ rule: Rule; test: Compiled }>,
  today: string,
  groupsOf: (episode: Episode) => string[],
  employment: (bundle: unknown) => string,
): string[] {
  const notes: FitNote[] = [];
  for (const obs of fitNotes(bundle)) {
    const s = day(start(obs)[0]);
    if (s === undefined) continue;
    const e = day(end(obs)[0]);
    const note: FitNote = {
      ref: `Observation/${id(obs)[0]}`,
      source: 'observation',
      issued: day(issued(obs)[0]) ?? s,
      start: s,
      fitness: mayBeFit(obs)[0] === true ? 'may-be-fit' : 'not-fit',
      conditions: (
        diagnoses(obs) as Array<{ coding?: Array<{ system: string; code: string }>; text?: string }>
      ).map((c) => ({
        codings: (c.coding ?? []).map((k) => ({ system: k.system, code: k.code })),
        ...(c.text ? { text: c.text } : {}),
      })),
      advice: [],
    };
    if (e !== undefined) note.end = e;
    notes.push(note);
  }
  patient(bundle);
  const episode = currentEpisode(episodesOf(notes, { today, episodeGapDays: rules.episodeGapDays }));
  if (episode === undefined) return [];
  const env = {
    episode: { ...episode, groups: groupsOf(episode) },
    patient: { employment: employment(bundle) },
  };
  const fired = compiled.filter(({ test }) => test({}, env)[0] === true).map(({ rule }) => rule);
  const superseded = new Set(fired.flatMap((r) => r.supersedes ?? []));
  return fired.filter((r) => !superseded.has(r.id)).map((r) => r.id);
}
