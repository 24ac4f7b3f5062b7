import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../fhir/profiles.js';
import { configProblems, examplesConfigSource, fileConfigSource } from './files.js';
import { ConfigBrokenError } from './source.js';

let dir: string;
let rules: unknown;
let directory: unknown;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hub-config-'));
  const examples = examplesConfigSource();
  const doc = await examples.get('A99999');
  rules = doc?.rules;
  directory = doc?.directory;
  await writeFile(path.join(dir, 'A12345.json'), JSON.stringify({ rules, directory }));
  await writeFile(path.join(dir, 'B12345.json'), '{"rules": ');
  await writeFile(
    path.join(dir, 'C12345.json'),
    JSON.stringify({ rules, directory: { schemaVersion: 2, providers: [] } }),
  );
  await copyFile(path.join(packageRoot(), 'examples', 'rules.json'), path.join(dir, 'D12345.json'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fileConfigSource', () => {
  const source = () => fileConfigSource(dir);

  it('reads a practice’s file by ODS code, in any case', async () => {
    expect(await source().get('a12345')).toEqual({ rules, directory });
  });

  it.each(['Z99999', '../A12345', 'A1'])('has nothing for %s', async (ods) => {
    expect(await source().get(ods)).toBeUndefined();
  });

  it.each<[string, RegExp]>([
    ['B12345', /B12345\.json in the hub's configuration folder.*not valid JSON/],
    ['C12345', /C12345\.json.*Directory: "schemaVersion" must be 1/],
    ['D12345', /D12345\.json.*no "directory"/],
  ])(
    'a broken %s throws ConfigBrokenError naming the file and why, and other practices still load',
    async (ods, message) => {
      const s = source();
      await expect(s.get(ods)).rejects.toThrow(ConfigBrokenError);
      await expect(s.get(ods)).rejects.toThrow(message);
      expect(await s.get('A12345')).toBeDefined();
    },
  );

  it('notices a changed file', async () => {
    const s = fileConfigSource(dir, { recheckMs: 0 });
    const file = path.join(dir, 'E12345.json');
    await writeFile(file, JSON.stringify({ rules, directory }));
    const first = await s.get('E12345');
    expect(await s.get('E12345')).toBe(first);
    await writeFile(file, '{}');
    await expect(s.get('E12345')).rejects.toThrow(/no "directory"/);
  });

  it('looks at a file again only after recheckMs, so a change applies within that time', async () => {
    let t = 0;
    const s = fileConfigSource(dir, { recheckMs: 1_000, now: () => t });
    const file = path.join(dir, 'F12345.json');
    await writeFile(file, JSON.stringify({ rules, directory }));
    const first = await s.get('F12345');
    expect(first).toBeDefined();
    await writeFile(file, '{}');
    t = 999;
    expect(await s.get('F12345')).toBe(first);
    t = 1_000;
    await expect(s.get('F12345')).rejects.toThrow(/no "directory"/);
  });
});

describe('examplesConfigSource', () => {
  it('serves the shipped examples as A99999 only', async () => {
    const s = examplesConfigSource();
    const doc = await s.get('A99999');
    expect(configProblems(doc)).toEqual([]);
    expect(await s.get('A12345')).toBeUndefined();
  });
});

it.each<[unknown, RegExp]>([
  [[], /JSON object/],
  [{ directory: { schemaVersion: 1, providers: [] } }, /no "rules"/],
])('configProblems(%j)', (json, message) => {
  expect(configProblems(json).join(' ')).toMatch(message);
});
