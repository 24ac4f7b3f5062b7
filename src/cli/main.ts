/**
 * `fitnote-prompt`: evaluate a record, check a rules file, or dry-run rules over many records.
 * Every failure prints a plain-English message and exits non-zero; never a stack trace.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseCalendarDate } from '../domain/dates.js';
import { DEFAULT_RULES } from '../domain/defaultRules.js';
import { type Directory, parseDirectory } from '../domain/directory.js';
import { evaluate } from '../domain/evaluate.js';
import { parseRules, type RulesFile } from '../domain/rules.js';
import { type SimulationPatient, type SimulationResult, simulate } from '../domain/simulate.js';
import { RecordError, readRecord } from '../fhir/record.js';
import { existingReferrals } from '../fhir/referrals.js';
import { londonToday, readJson, readText, UsageError } from './io.js';

const USAGE = `Usage:
  fitnote-prompt evaluate --record BUNDLE.json [--rules RULES.json] [--directory DIRECTORY.json] [--today YYYY-MM-DD]
      Prints { "episodes", "cards", "unreadable" } for one patient's record (a FHIR Bundle).
  fitnote-prompt check-rules RULES.json [--directory DIRECTORY.json]
      Exits 0 if the rules file is valid, or 1 with each problem on its own line.
  fitnote-prompt simulate --records DIR|FILE.ndjson [--rules RULES.json] --from YYYY-MM-DD --to YYYY-MM-DD [--json]
      Replays every day of the window over many records and prints, per rule, the prompts that would have fired.
  fitnote-prompt --help

Without --rules the shipped national defaults apply. Without --today, today's date in London is used.`;

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

function date(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (parseCalendarDate(value) === undefined)
    throw new UsageError(`${flag} must be a calendar date such as 2026-11-21 (got "${value}").`);
  return value;
}

async function loadDirectory(path: string | undefined): Promise<Directory | undefined> {
  if (path === undefined) return undefined;
  const parsed = parseDirectory(await readJson(path, 'provider directory'));
  if (!parsed.ok)
    throw new UsageError(`The provider directory "${path}" has problems:\n${parsed.problems.join('\n')}`, 1);
  return parsed.directory;
}

async function loadRules(path: string | undefined, directory: Directory | undefined): Promise<RulesFile> {
  const input = path === undefined ? DEFAULT_RULES : await readJson(path, 'rules file');
  const providerIds = directory?.providers.map((p) => p.id);
  const parsed = parseRules(input, providerIds === undefined ? {} : { providerIds });
  if (!parsed.ok)
    throw new UsageError(
      `The rules file "${path ?? '(shipped defaults)'}" has problems:\n${parsed.problems.join('\n')}`,
      1,
    );
  return parsed.value;
}

async function evaluateCommand(args: string[], io: Output): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      record: { type: 'string' },
      rules: { type: 'string' },
      directory: { type: 'string' },
      today: { type: 'string' },
    },
  });
  if (values.record === undefined)
    throw new UsageError("evaluate needs --record BUNDLE.json (one patient's FHIR Bundle).");
  const today = date(values.today, '--today') ?? londonToday();
  const directory = await loadDirectory(values.directory);
  const rules = await loadRules(values.rules, directory);
  const record = readRecord(await readJson(values.record, 'record'));
  for (const problem of record.problems) io.err(`Note: ${problem}`);
  const result = evaluate({
    patient: record.patient,
    notes: record.notes,
    unreadable: record.unreadable,
    referrals: existingReferrals(record),
    rules,
    today,
    ...(directory ? { directory: directory.providers } : {}),
  });
  io.out(JSON.stringify(result, null, 2));
  return 0;
}

async function checkRulesCommand(args: string[], io: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { directory: { type: 'string' } },
  });
  const [path, ...extra] = positionals;
  if (path === undefined || extra.length > 0)
    throw new UsageError('check-rules needs exactly one rules file: fitnote-prompt check-rules RULES.json');
  const directory = await loadDirectory(values.directory);
  const { parseRulesText } = await import('../domain/rules.js');
  const parsed = parseRulesText(
    await readText(path, 'rules file'),
    directory ? { providerIds: directory.providers.map((p) => p.id) } : {},
  );
  if (parsed.ok) {
    const enabled = parsed.value.rules.filter((r) => r.enabled).length;
    io.out(
      `${path}: valid — ${parsed.value.rules.length} rules (${enabled} switched on), episode gap ${parsed.value.episodeGapDays} days.`,
    );
    return 0;
  }
  for (const problem of parsed.problems) io.out(problem);
  return 1;
}

/** Reads every record from an NDJSON file or a folder of .json / .ndjson files; reports, never drops, bad ones. */
async function* readRecords(
  path: string,
  io: Output,
  tally: { unreadable: number },
): AsyncGenerator<SimulationPatient> {
  let files: string[];
  try {
    files = (await stat(path)).isDirectory()
      ? (await readdir(path))
          .filter((f) => f.endsWith('.json') || f.endsWith('.ndjson'))
          .sort()
          .map((f) => join(path, f))
      : [path];
  } catch {
    throw new UsageError(
      `Cannot find the records "${path}": give a folder of FHIR Bundles or an NDJSON file with one Bundle per line.`,
      1,
    );
  }
  if (files.length === 0) throw new UsageError(`The folder "${path}" holds no .json or .ndjson files.`, 1);
  for (const file of files) {
    const text = await readText(file, 'records file');
    const lines = file.endsWith('.ndjson') ? text.split('\n') : [text];
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      if (line.trim() === '') continue;
      const where = file.endsWith('.ndjson') ? `${file} line ${i + 1}` : file;
      try {
        const record = readRecord(JSON.parse(line));
        yield { patient: record.patient, notes: record.notes };
      } catch (error) {
        tally.unreadable++;
        const reason =
          error instanceof RecordError ? error.message : `not valid JSON (${(error as Error).message})`;
        if (tally.unreadable <= 20) io.err(`Skipped ${where}: ${reason}`);
      }
    }
  }
}

function formatSimulation(result: SimulationResult, unreadable: number): string {
  const header = ['rule', 'on', 'prompts', 'patients', 'per 1,000 patients per month'];
  const rows = result.rules.map((r) => [
    r.ruleId,
    r.enabled ? 'yes' : 'no',
    String(r.prompts),
    String(r.patientsPrompted),
    r.per1000PatientsPerMonth.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join('  ');
  return [
    `Dry run ${result.from} to ${result.to} (${result.days} days) over ${result.patients} patient${result.patients === 1 ? '' : 's'}${unreadable ? `; ${unreadable} record${unreadable === 1 ? '' : 's'} could not be read (listed above)` : ''}.`,
    'Rules that are switched off are counted as if they were on.',
    '',
    line(header),
    ...rows.map(line),
    '',
    `Total prompts: ${result.totalPrompts}`,
  ].join('\n');
}

async function simulateCommand(args: string[], io: Output): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      records: { type: 'string' },
      rules: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if (values.records === undefined) throw new UsageError('simulate needs --records DIR|FILE.ndjson.');
  const from = date(values.from, '--from');
  const to = date(values.to, '--to');
  if (from === undefined || to === undefined)
    throw new UsageError('simulate needs a window: --from YYYY-MM-DD --to YYYY-MM-DD.');
  if (to < from) throw new UsageError(`The window ends (${to}) before it starts (${from}).`);
  const rules = await loadRules(values.rules, undefined);
  const tally = { unreadable: 0 };
  const patients: SimulationPatient[] = [];
  for await (const patient of readRecords(values.records, io, tally)) patients.push(patient);
  if (tally.unreadable > 20) io.err(`…and ${tally.unreadable - 20} more records skipped.`);
  const result = simulate(patients, { rules, from, to });
  io.out(
    values.json
      ? JSON.stringify({ ...result, unreadableRecords: tally.unreadable }, null, 2)
      : formatSimulation(result, tally.unreadable),
  );
  return 0;
}

/** Runs the CLI; returns the exit code. */
export async function run(argv: string[], io: Output): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'evaluate':
        return await evaluateCommand(args, io);
      case 'check-rules':
        return await checkRulesCommand(args, io);
      case 'simulate':
        return await simulateCommand(args, io);
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`Unknown command "${command}".\n\n${USAGE}`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(error.message);
      return error.exitCode;
    }
    if (error instanceof RecordError) {
      io.err(error.message);
      return 1;
    }
    const code = (error as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      io.err(`${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    io.err(
      `fitnote-prompt stopped unexpectedly: ${(error as Error).message ?? String(error)}. Please report this with the command you ran.`,
    );
    return 70;
  }
}
