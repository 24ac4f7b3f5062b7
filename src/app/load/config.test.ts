import { readFileSync } from 'node:fs';
import { LaunchFailureError } from '../smart/failures.js';
import { configUrlFor, defaultRules, loadPracticeConfig, needsOdsCode, parseConfig } from './config.js';

const rules = JSON.parse(readFileSync('examples/rules.json', 'utf8'));
const directory = JSON.parse(readFileSync('examples/directory.json', 'utf8'));

const answer =
  (body: string, status = 200): typeof fetch =>
  async () =>
    new Response(body, { status });

describe('configUrlFor', () => {
  it.each([
    [undefined, 'A99999', 'http://app.test/app/', 'http://app.test/config/A99999.json'],
    [
      'https://hub.example/practices/{ods}/config',
      'A99999',
      undefined,
      'https://hub.example/practices/A99999/config',
    ],
    ['/config/all.json', undefined, 'http://app.test/app/', 'http://app.test/config/all.json'],
    [undefined, undefined, 'http://app.test/app/', undefined],
    [undefined, 'A99999', undefined, undefined],
  ])('%s for %s from %s → %s', (configUrl, ods, baseUrl, expected) => {
    expect(configUrlFor(ods, { ...(configUrl ? { configUrl } : {}), ...(baseUrl ? { baseUrl } : {}) })).toBe(
      expected,
    );
  });

  it('knows when the URL needs the ODS code', () => {
    expect(needsOdsCode()).toBe(true);
    expect(needsOdsCode('/config/all.json')).toBe(false);
  });
});

describe('loadPracticeConfig', () => {
  const base = { configUrl: 'http://config.test/{ods}.json' };

  it('reads and validates the practice’s rules and directory', async () => {
    const config = await loadPracticeConfig('A99999', {
      ...base,
      fetch: answer(JSON.stringify({ rules, directory })),
    });
    expect(config.source).toBe('practice');
    expect(config.url).toBe('http://config.test/A99999.json');
    expect(config.directory.providers.length).toBeGreaterThan(0);
    expect(config.rules.rules.length).toBe(rules.rules.length);
    expect(config.problem).toBeUndefined();
  });

  it.each([
    ['not set up (404)', answer('', 404), /have not been set up/],
    ['a server error', answer('', 500), /answered 500/],
    ['not JSON', answer('<html>'), /not valid JSON/],
    ['no directory', answer(JSON.stringify({ rules })), /no "directory"/],
    ['a bad rule', answer(JSON.stringify({ rules: { schemaVersion: 2, rules: [] }, directory })), /mistakes/],
    [
      'a rule naming a provider not in the directory',
      answer(JSON.stringify({ rules, directory: { schemaVersion: 1, providers: [] } })),
      /mistakes/,
    ],
    [
      'the server could not be reached',
      (async () => {
        throw new TypeError('fetch failed');
      }) as typeof fetch,
      /could not be reached/,
    ],
  ])('%s: the national defaults with an empty directory, and the reason', async (_label, fetch, words) => {
    const config = await loadPracticeConfig('A99999', { ...base, fetch });
    expect(config.source).toBe('default');
    expect(config.rules).toEqual(defaultRules());
    expect(config.directory).toEqual({ schemaVersion: 1, providers: [] });
    expect(config.problem).toMatch(words);
    expect(config.problem).toMatch(/national default prompt rules.*tell your practice IT lead/);
  });

  it('no ODS code: the defaults, saying why', async () => {
    const config = await loadPracticeConfig(undefined, base);
    expect(config.source).toBe('default');
    expect(config.problem).toMatch(/ODS code/);
  });

  it('a slow config server times out into the defaults', async () => {
    const stuck: typeof fetch = (_u, init) =>
      new Promise((_r, reject) =>
        init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))),
      );
    const config = await loadPracticeConfig('A99999', { ...base, fetch: stuck, timeoutMs: 20 });
    expect(config.problem).toMatch(/too long/);
  });

  it('required: fails with config-unreadable instead', async () => {
    await expect(
      loadPracticeConfig('A99999', { ...base, fetch: answer('', 404), required: true }),
    ).rejects.toThrow(LaunchFailureError);
    try {
      await loadPracticeConfig('A99999', { ...base, fetch: answer('', 404), required: true });
    } catch (err) {
      expect((err as LaunchFailureError).failure.kind).toBe('config-unreadable');
    }
  });
});

describe('parseConfig', () => {
  it('refuses what is not an object', () => {
    expect(parseConfig([]).ok).toBe(false);
    expect(parseConfig(null).ok).toBe(false);
  });
});
