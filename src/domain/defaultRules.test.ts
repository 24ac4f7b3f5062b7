import { readFileSync, writeFileSync } from 'node:fs';
import { DEFAULT_RULES } from './defaultRules.js';
import { parseRules } from './rules.js';

const SHIPPED = 'examples/rules.json';

describe('the shipped default rules', () => {
  it('are valid against the directory shipped with them', () => {
    const directory = JSON.parse(readFileSync('examples/directory.json', 'utf8')) as {
      providers: Array<{ id: string }>;
    };
    expect(parseRules(DEFAULT_RULES, { providerIds: directory.providers.map((p) => p.id) })).toMatchObject({
      ok: true,
    });
  });

  it(`are what ${SHIPPED} holds (UPDATE_EXAMPLES=1 rewrites it)`, () => {
    const text = `${JSON.stringify(DEFAULT_RULES, null, 2)}\n`;
    if (process.env.UPDATE_EXAMPLES === '1') writeFileSync(SHIPPED, text);
    expect(readFileSync(SHIPPED, 'utf8')).toBe(text);
  });

  it('name a source for every rule and keep thresholds in the order they escalate', () => {
    for (const rule of DEFAULT_RULES.rules) expect(rule.source.label.length).toBeGreaterThan(10);
    const byDays = DEFAULT_RULES.rules
      .filter((r) => r.when.absenceDaysAtLeast !== undefined)
      .map((r) => r.when.absenceDaysAtLeast);
    expect(byDays).toEqual([14, 28, 42, 90]);
  });
});
