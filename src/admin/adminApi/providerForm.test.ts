import { readFileSync } from 'node:fs';
import { checkProvider, effectiveStatus, fieldId, inFormWords, setAt } from './providerForm.js';

const directory = JSON.parse(readFileSync('examples/directory.json', 'utf8')) as { providers: unknown };
const providers = directory.providers as unknown as Array<Record<string, unknown>>;
const oh = providers[0] as Record<string, unknown>;

describe('provider form helpers', () => {
  it.each([
    [{ status: 'open' }, 'open', 'Taking referrals'],
    [{ status: 'paused' }, 'paused', 'Paused: not taking referrals'],
    [{ status: 'closed' }, 'closed', 'Closed'],
    [{ status: 'open', activeTo: '2026-11-21' }, 'closed', 'Closed on 21 November 2026'],
    [{ status: 'paused', activeTo: '2026-11-01' }, 'closed', 'Closed on 1 November 2026'],
    [{ status: 'open', activeFrom: '2026-12-01' }, 'not-yet-open', 'Opens on 1 December 2026'],
    [{ status: 'open', activeFrom: '2026-11-21' }, 'open', 'Taking referrals'],
  ])('%j on 21 November 2026 is %s (%s)', (p, kind, words) => {
    expect(effectiveStatus(p, '2026-11-21')).toEqual({ kind, words });
  });

  it('sets and removes fields by path, dropping emptied groups', () => {
    const a = setAt({ eligibility: { ageRange: { min: 16 } } }, ['eligibility', 'ageRange', 'max'], 66);
    expect(a).toEqual({ eligibility: { ageRange: { min: 16, max: 66 } } });
    const b = setAt(
      setAt(a, ['eligibility', 'ageRange', 'max'], undefined),
      ['eligibility', 'ageRange', 'min'],
      undefined,
    );
    expect(b).toEqual({});
  });

  it('finds no problem in the example directory’s providers', () => {
    expect(checkProvider(providers, 0, oh)).toEqual({ problems: [], others: [] });
  });

  it.each([
    ['an empty name', { name: '' }, [{ path: 'name', text: 'Name must not be empty' }]],
    ['no phone', { contact: { phone: '' } }, [{ path: 'contact.phone', text: 'Phone must not be empty' }]],
    [
      'a closing day before the opening day',
      { activeFrom: '2026-05-01', activeTo: '2026-04-01' },
      [{ path: 'activeTo', text: expect.stringContaining('must be after "activeFrom"') }],
    ],
    [
      'no services',
      { services: [] },
      [{ path: 'services', text: 'Services offered needs at least 1 entry' }],
    ],
    [
      'a lower-case area code',
      { eligibility: { ...(oh.eligibility as object), areaCodes: ['LS', 'bd'] } },
      [
        {
          path: 'eligibility.areaCodes',
          text: expect.stringMatching(/^Postcode areas \(entry 2\) must be a postcode area/),
        },
      ],
    ],
    [
      'a FHIR server without an address',
      { endpoint: { mode: 'fhir-rest', baseUrl: 'not a web address' } },
      [{ path: 'endpoint.baseUrl', text: expect.stringContaining('FHIR server address') }],
    ],
  ])('puts %s next to its field, in the form’s words', (_name, change, expected) => {
    expect(checkProvider(providers, 0, { ...oh, ...change }).problems).toEqual(expected);
  });

  it('refuses a new provider with an id already used', () => {
    const result = checkProvider(providers, -1, { ...oh });
    expect(result.problems).toContainEqual({
      path: 'id',
      text: 'Another provider already has this id: choose a different one',
    });
  });

  it.each([
    ['name', 'p-name'],
    ['eligibility.ageRange.min', 'p-eligibility-ageRange-min'],
    ['services[1]', 'p-services'],
  ])('field %s has id %s', (path, id) => {
    expect(fieldId(path)).toBe(id);
  });

  it('leaves a message without a known field as it is', () => {
    expect(inFormWords('"surprise" must be one of a, b')).toBe('"surprise" must be one of a, b');
  });
});
