import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/cli/main.js';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(argv, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
  return { code, out, err };
}

const tmp = mkdtempSync(join(tmpdir(), 'fitnote-cli-'));
function file(name: string, content: string): string {
  const path = join(tmp, name);
  writeFileSync(path, content);
  return path;
}

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);

describe('fitnote-prompt evaluate', () => {
  it('prints episodes, cards and unreadable notes for Peter', async () => {
    const { code, out, err } = await cli(
      'evaluate',
      '--record',
      'examples/records/peter.json',
      '--directory',
      'examples/directory.json',
      '--today',
      '2026-11-21',
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(Object.keys(result)).toEqual(['episodes', 'cards', 'unreadable']);
    expect(result.cards.map((c: { extension: { ruleId: string } }) => c.extension.ruleId)).toEqual([
      'four-weeks-review',
    ]);
    expect(result.cards[0].summary.length).toBeLessThanOrEqual(140);
    expect(result.cards[0].extension.providerOptions.length).toBeGreaterThan(0);
  });

  it.each([
    ['john', ['third-episode-12-months']],
    ['cathy', ['two-weeks-early-advice']],
    ['sarah', ['three-months-case-managed']],
    ['gap-seven', ['six-weeks-oh']],
    ['gap-eight', ['four-weeks-review']],
    ['overlap', ['four-weeks-review']],
    ['self-employed', ['six-weeks-oh']],
    ['other-condition', ['six-weeks-oh']],
    ['no-notes', []],
    ['referred', []],
    ['unemployed', []],
  ])('gives %s the expected prompts on 2026-11-21', async (key, rules) => {
    const { code, out } = await cli(
      'evaluate',
      '--record',
      `examples/records/${key}.json`,
      '--today',
      '2026-11-21',
    );
    expect(code).toBe(0);
    expect(JSON.parse(out).cards.map((c: { extension: { ruleId: string } }) => c.extension.ruleId)).toEqual(
      rules,
    );
  });

  it('reports the unreadable note and still evaluates the good one', async () => {
    const { code, out } = await cli(
      'evaluate',
      '--record',
      'examples/records/unreadable.json',
      '--today',
      '2026-11-21',
    );
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result.unreadable).toHaveLength(1);
    expect(result.unreadable[0].reason).toMatch(/before it starts/);
    expect(result.episodes.length).toBeGreaterThan(0);
  });

  it.each([
    [['evaluate'], 2, /evaluate needs --record BUNDLE\.json/],
    [['evaluate', '--record', 'nope.json'], 1, /Cannot find the record "nope\.json": check the path\./],
    [
      ['evaluate', '--record', 'examples/records/peter.json', '--today', '21/11/2026'],
      2,
      /--today must be a calendar date such as 2026-11-21 \(got "21\/11\/2026"\)/,
    ],
    [['evaluate', '--record', 'examples/records/peter.json', '--colour'], 2, /Unknown option '--colour'/],
    [['frobnicate'], 2, /Unknown command "frobnicate"/],
  ])('explains %j plainly', async (argv, exitCode, message) => {
    const { code, err } = await cli(...argv);
    expect(code).toBe(exitCode);
    expect(err).toMatch(message);
    noStack(err);
  });

  it('explains a malformed bundle in one message', async () => {
    const notJson = file('broken.json', '{"resourceType": "Bundle", "type": "collection", "entry": [');
    const patient = file('patient.json', JSON.stringify({ resourceType: 'Patient', id: 'x' }));
    for (const [path, message] of [
      [notJson, /not valid JSON: it ends too soon/],
      [patient, /Patient resource, not a Bundle/],
    ] as const) {
      const { code, err } = await cli('evaluate', '--record', path, '--today', '2026-11-21');
      expect(code).toBe(1);
      expect(err.trim().split('\n')).toHaveLength(1);
      expect(err).toMatch(message);
      noStack(err);
    }
  });

  it('refuses a directory entry without an endpoint with one clear message', async () => {
    const directory = file(
      'dir.json',
      JSON.stringify({
        schemaVersion: 1,
        providers: [
          {
            id: 'local-oh-service',
            name: 'Local OH',
            services: ['oh-assessment'],
            modalities: ['telephone'],
            eligibility: { employmentStatus: ['employed'] },
            status: 'open',
            lastVerified: '2026-11-01',
            waitingTimeDays: 10,
            contact: { phone: '0113 496 0000' },
          },
        ],
      }),
    );
    const { code, err } = await cli(
      'evaluate',
      '--record',
      'examples/records/peter.json',
      '--directory',
      directory,
    );
    expect(code).toBe(1);
    expect(err).toMatch(/Provider "local-oh-service": delivery endpoint is missing/);
    expect(err.match(/endpoint/g)).toHaveLength(2); // the message and its example fix, once
    noStack(err);
  });
});

describe('fitnote-prompt check-rules', () => {
  it('accepts the shipped rules against the shipped directory', async () => {
    const { code, out } = await cli(
      'check-rules',
      'examples/rules.json',
      '--directory',
      'examples/directory.json',
    );
    expect(code).toBe(0);
    expect(out).toMatch(/examples\/rules\.json: valid — 7 rules \(6 switched on\)/);
  });

  it('exits 1 with each problem on its own line', async () => {
    const path = file(
      'rules.json',
      JSON.stringify({
        schemaVersion: 1,
        rules: [
          {
            id: 'six-weeks-oh',
            title: 'x',
            enabled: true,
            when: { absenceDaysAtLeast: -42 },
            indicator: 'warning',
            summary: 'Off {{absenceWeeks}} weeks',
            providers: [],
            source: { label: 'Policy' },
            colour: 'red',
          },
        ],
      }),
    );
    const { code, out } = await cli('check-rules', path);
    expect(code).toBe(1);
    expect(out.trim().split('\n')).toEqual([
      'Rule "six-weeks-oh": when.absenceDaysAtLeast: must be a whole number of days, 1 or more (got -42).',
      'Rule "six-weeks-oh": colour: unknown key "colour" — remove it or check the spelling (allowed here: id, title, enabled, when, conditionGroups, employmentStatus, ageRange, mayBeFitOnly, indicator, summary, detail, providers, source, supersedes, repeat).',
    ]);
  });

  it('reports a file that is not JSON with its line', async () => {
    const { code, out } = await cli(
      'check-rules',
      file('bad.json', '{\n  "schemaVersion": 1\n  "rules": []\n}'),
    );
    expect(code).toBe(1);
    expect(out).toMatch(/not valid JSON: unexpected "\\"" at line 3, column 3/);
  });
});

describe('fitnote-prompt simulate', () => {
  it('prints per-rule figures for the shipped population', async () => {
    const { code, out } = await cli(
      'simulate',
      '--records',
      'examples/population.ndjson',
      '--rules',
      'examples/rules.json',
      '--from',
      '2026-08-01',
      '--to',
      '2026-10-31',
      '--json',
    );
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result.patients).toBe(500);
    expect(result.days).toBe(92);
    expect(result.rules).toHaveLength(7);
    expect(result.totalPrompts).toBeGreaterThan(0);
    expect(result.unreadableRecords).toBe(0);
  });

  it('reads a folder of bundles and reports a bad line without stopping', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fitnote-records-'));
    writeFileSync(join(dir, 'a.ndjson'), `${JSON.stringify({ resourceType: 'Patient' })}\nnot json\n`);
    writeFileSync(
      join(dir, 'peter.json'),
      await import('node:fs/promises').then((fs) => fs.readFile('examples/records/peter.json', 'utf8')),
    );
    const { code, out, err } = await cli(
      'simulate',
      '--records',
      dir,
      '--from',
      '2026-10-01',
      '--to',
      '2026-11-21',
    );
    expect(code).toBe(0);
    expect(err).toMatch(/Skipped .*a\.ndjson line 1: .*Patient resource, not a Bundle/);
    expect(err).toMatch(/Skipped .*a\.ndjson line 2: not valid JSON/);
    expect(out).toMatch(/over 1 patient; 2 records could not be read/);
    expect(out).toMatch(/four-weeks-review\s+yes\s+1\s+1/);
  });

  it('needs a window', async () => {
    const { code, err } = await cli(
      'simulate',
      '--records',
      'examples/population.ndjson',
      '--from',
      '2026-10-01',
    );
    expect(code).toBe(2);
    expect(err).toMatch(/simulate needs a window: --from YYYY-MM-DD --to YYYY-MM-DD\./);
  });
});

describe('the installed command', () => {
  it('runs as `fitnote-prompt` from package.json bin and exits with its code', async () => {
    const { execFile } = await import('node:child_process');
    const { readFileSync } = await import('node:fs');
    const bin = (JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string> }).bin[
      'fitnote-prompt'
    ] as string;
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [bin, 'check-rules', 'examples/rules.json'], (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/valid — 7 rules/);
    const bad = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [bin, 'evaluate'], (error, _stdout, stderr) =>
        resolve({ code: (error as { code?: number } | null)?.code ?? 0, stderr }),
      );
    });
    expect(bad.code).toBe(2);
    noStack(bad.stderr);
  });
});
