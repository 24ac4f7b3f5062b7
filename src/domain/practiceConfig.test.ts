import { readFileSync } from 'node:fs';
import { parsePracticeConfig } from './practiceConfig.js';

const rules = JSON.parse(readFileSync('examples/rules.json', 'utf8'));
const directory = JSON.parse(readFileSync('examples/directory.json', 'utf8'));

describe('parsePracticeConfig', () => {
  it('accepts the shipped example, with or without a hub', () => {
    const plain = parsePracticeConfig({ rules, directory });
    expect(plain.ok && plain.directory.providers.length).toBeGreaterThan(0);
    expect(plain.ok && plain.hubUrl).toBeFalsy();
    const withHub = parsePracticeConfig({ rules, directory, hub: { url: 'https://hub.example.org/' } });
    expect(withHub).toMatchObject({ ok: true, hubUrl: 'https://hub.example.org' });
  });

  it.each<[string, unknown, RegExp]>([
    ['not an object', [], /must be a JSON object/],
    ['null', null, /must be a JSON object/],
    ['no directory', { rules }, /no "directory"/],
    ['no rules', { directory }, /no "rules"/],
    ['a hub without a url', { rules, directory, hub: {} }, /"hub" must be \{"url"/],
    ['a hub that is not http', { rules, directory, hub: { url: 'ftp://hub.example.org' } }, /"hub" must be/],
    ['a broken directory', { rules, directory: { ...directory, schemaVersion: 2 } }, /^Directory: /],
    [
      'rules naming a provider the directory lacks',
      { rules, directory: { ...directory, providers: directory.providers.slice(0, 1) } },
      /^Rules: /,
    ],
  ])('%s is refused with the reason', (_label, json, reason) => {
    const result = parsePracticeConfig(json);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.problems.join('\n')).toMatch(reason);
  });
});
