/**
 * `npm run bench`: speed figures for the engine, each printed with its goal, and ratios against a
 * baseline measured in the same run. Nothing here asserts a time; it reports.
 *
 * 1. Fit notes per second through parse (readRecord) → episodes → rules → cards, on one core.
 * 2. `simulate` over 50,000 synthetic patients × 10 notes, a 90-day window (parse included).
 * 3. The same evaluation written as FHIRPath expressions (the `fhirpath` package), and the ratio.
 * 4. The GP app in Chromium against the sandbox (browser.ts).
 * 5. The referral hub on SQLite, and fhir-router + MemoryRepository for comparison (hub.ts).
 * 6. The IT lead's dry run through the console's API: 20,000 patients, five years of fit notes (dryRun.ts).
 */
import { performance } from 'node:perf_hooks';
import type { Bundle } from '@medplum/fhirtypes';
import { groupsOfCondition } from '../../src/domain/conditionGroups.js';
import { DEFAULT_RULES } from '../../src/domain/defaultRules.js';
import type { Episode } from '../../src/domain/episodes.js';
import { evaluate } from '../../src/domain/evaluate.js';
import { parseRules, type RulesFile } from '../../src/domain/rules.js';
import { type SimulationPatient, simulate } from '../../src/domain/simulate.js';
import { readRecord } from '../../src/fhir/record.js';
import { syntheticPopulation } from '../../src/sandbox/synthetic.js';
import { browserFigures } from './browser.js';
import { dryRunFigures } from './dryRun.js';
import { compileRules, evaluateWithFhirPath } from './fhirpathPeer.js';
import { hubFigures } from './hub.js';

const TODAY = '2026-11-21';
const rulesResult = parseRules(DEFAULT_RULES);
if (!rulesResult.ok) throw new Error(rulesResult.problems.join('\n'));
const rules: RulesFile = rulesResult.value;

function population(patients: number, seed: number): Bundle[] {
  return [
    ...syntheticPopulation({
      patients,
      notesPerPatient: 10,
      withNotesShare: 1,
      seed,
      from: '2025-11-22',
      to: TODAY,
    }),
  ];
}

function countNotes(bundles: readonly Bundle[]): number {
  return bundles.reduce(
    (n, b) =>
      n +
      (b.entry ?? []).filter(
        (e) =>
          e.resource?.resourceType === 'Observation' &&
          (e.resource as { code?: { coding?: Array<{ code?: string }> } }).code?.coding?.some(
            (c) => c.code === '365524007',
          ),
      ).length,
    0,
  );
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Best of `runs` timings of fn, in milliseconds. */
function best(runs: number, fn: () => void): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    gc();
    const t = performance.now();
    fn();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-GB');
const line = (label: string, value: string, goal: string) =>
  console.log(`${label.padEnd(58)} ${value.padStart(16)}${goal ? `   goal ${goal}` : ''}`);

function employmentOf(bundle: unknown): string {
  return readRecord(bundle).patient.employmentStatus;
}

function groupsOf(episode: Episode): string[] {
  return [...new Set(episode.conditions.flatMap(groupsOfCondition))];
}

async function main(): Promise<void> {
  console.log(
    `fitnote-prompt bench — node ${process.version}, one core, ${new Date().toISOString().slice(0, 10)}\n`,
  );

  // 1. Throughput: parse → episodes → rules → cards, and each half on its own.
  const bundles = population(20_000, 7);
  const notes = countNotes(bundles);
  let cards = 0;
  const ms = best(5, () => {
    cards = 0;
    for (const bundle of bundles) {
      const record = readRecord(bundle);
      cards += evaluate({
        patient: record.patient,
        notes: record.notes,
        unreadable: record.unreadable,
        rules,
        today: TODAY,
      }).cards.length;
    }
  });
  const records = bundles.map((bundle) => readRecord(bundle));
  const readMs = best(5, () => {
    for (const bundle of bundles) readRecord(bundle);
  });
  const engineMs = best(5, () => {
    for (const record of records)
      evaluate({ patient: record.patient, notes: record.notes, rules, today: TODAY });
  });
  const rate = (count: number, millis: number) => (count / millis) * 1000;
  line(`Fit notes/s, parse → episodes → rules (${fmt(notes)} notes)`, fmt(rate(notes, ms)), '≥ 1,000,000/s');
  line('  of which reading FHIR (readRecord) alone', fmt(rate(notes, readMs)), '');
  line('  of which episodes → rules → cards alone', fmt(rate(notes, engineMs)), '');

  // 2. simulate: 50,000 patients × 10 notes, 90-day window; the engine alone, and with reading.
  const big = population(50_000, 11);
  const bigNotes = countNotes(big);
  const read = () =>
    big.map((b): SimulationPatient => {
      const r = readRecord(b);
      return { patient: r.patient, notes: r.notes };
    });
  const patients = read();
  let prompts = 0;
  const simMs = best(3, () => {
    prompts = simulate(patients, { rules, from: '2026-08-24', to: TODAY }).totalPrompts;
  });
  const simReadMs = best(3, () => {
    simulate(read(), { rules, from: '2026-08-24', to: TODAY });
  });
  line(
    `simulate, 50,000 patients × 10 notes × 90 days (${fmt(bigNotes)} notes)`,
    `${(simMs / 1000).toFixed(2)} s`,
    '< 2 s',
  );
  line('  the same, reading the 50,000 FHIR bundles too', `${(simReadMs / 1000).toFixed(2)} s`, '');
  console.log(`${''.padEnd(58)} ${`${fmt(prompts)} prompts`.padStart(16)}`);

  // 3. The FHIRPath way, on a subset (it is slow), with agreement checked.
  const subset = bundles.slice(0, 2_000);
  const subsetNotes = countNotes(subset);
  const compiled = compileRules(rules);
  const ours = best(3, () => {
    for (const bundle of subset) {
      const record = readRecord(bundle);
      evaluate({ patient: record.patient, notes: record.notes, rules, today: TODAY });
    }
  });
  const peer = best(1, () => {
    for (const bundle of subset) evaluateWithFhirPath(bundle, rules, compiled, TODAY, groupsOf, employmentOf);
  });
  let agree = 0;
  for (const bundle of subset) {
    const record = readRecord(bundle);
    const mine = evaluate({ patient: record.patient, notes: record.notes, rules, today: TODAY })
      .cards.map((c) => c.extension.ruleId)
      .sort();
    const theirs = evaluateWithFhirPath(bundle, rules, compiled, TODAY, groupsOf, employmentOf).sort();
    if (mine.join() === theirs.join()) agree++;
  }
  const peerRate = (subsetNotes / peer) * 1000;
  const ourRate = (subsetNotes / ours) * 1000;
  line(`FHIRPath (fhirpath ${'package'}) notes/s, same ${fmt(subsetNotes)} notes`, fmt(peerRate), 'baseline');
  line('This engine notes/s, same notes', fmt(ourRate), '');
  line('Ratio (this engine ÷ FHIRPath)', `${(ourRate / peerRate).toFixed(1)}×`, '≥ 10×');
  console.log(
    `${''.padEnd(58)} ${`${agree}/${subset.length} patients`.padStart(16)}   with the same prompts both ways`,
  );
  console.log(`\n(cards raised in the throughput run: ${fmt(cards)})\n`);

  // 4. The GP app in Chromium against the sandbox (issue 3's figures).
  await browserFigures(line);

  // 5. The referral hub: acceptance on SQLite, and fhir-router + MemoryRepository (issue 4's figures).
  console.log('');
  await hubFigures(line);

  // 6. The IT lead's dry run through the console's API (issue 5's figure).
  console.log('');
  await dryRunFigures(line);
}

await main();
