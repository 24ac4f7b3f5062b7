/**
 * The self-referral text message: GSM 7-bit characters only (so a phone sends it as one 160-septet
 * message, not as UCS-2 in 70-character parts) and at most 160 septets, for every provider in the
 * example directory and for names and details far longer than any real one.
 */
import type { Provider } from '../../domain/directory.js';
import { SMS_MAX, smsLength, smsText, toGsm7 } from './selfReferral.js';
import { sampleDirectory } from './testSupport.js';

/** The GSM 03.38 default alphabet and extension table, written out independently of the code. */
const GSM7 = new Set([
  ...'@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡',
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
  ...'^{}\\[~]|€',
]);
const isGsm7 = (text: string) => [...text].every((ch) => GSM7.has(ch));

const directory = sampleDirectory().providers;
const base = directory.find((p) => p.selfReferral?.phone) as Provider;

function variant(name: string, selfReferral: Provider['selfReferral']): Provider {
  return { ...base, id: 'variant', name, ...(selfReferral ? { selfReferral } : { selfReferral: undefined }) };
}

const LONG = 'Very Long Name '.repeat(20);
const variants: Array<[string, Provider]> = [
  ...directory.map((p): [string, Provider] => [`directory: ${p.id}`, p]),
  [
    'curly quotes and a dash in the instructions',
    variant('St Anne’s Work – Health', {
      instructions: 'Call “the team” – we’re open 9am–5pm… weekdays.',
      phone: '0113 496 0002',
    }),
  ],
  [
    'a very long name with phone and web address',
    variant(`${LONG}’s Service`, {
      instructions: 'Phone us.',
      phone: '0113 496 0002',
      url: 'https://example.org/self-referral/long/path',
    }),
  ],
  [
    'a long name full of extension characters',
    variant('[Work]{Health}|Service~€^ '.repeat(10), {
      instructions: 'x',
      url: 'https://example.org/a~b',
    }),
  ],
  [
    'accents, emoji and symbols outside GSM',
    variant('Café Ørsted Łódź Clinic 😀 ™', {
      instructions: 'Naïve façade ✓ — call us.',
      phone: '0113 496 0002',
    }),
  ],
  [
    'long instructions that do not fit',
    variant('Short Name', {
      instructions: 'Instructions that run on and on. '.repeat(10),
      phone: '0113 496 0002',
    }),
  ],
  ['no self-referral details: the provider’s phone', variant('Plain Provider', undefined)],
];

describe('smsText', () => {
  it.each(variants)('%s: GSM-7 only, at most 160 septets, contact details whole', (_name, provider) => {
    const text = smsText(provider);
    expect(isGsm7(text)).toBe(true);
    expect(smsLength(text)).toBeLessThanOrEqual(SMS_MAX);
    const self = provider.selfReferral;
    const phone = self?.phone ?? (self?.url ? undefined : provider.contact.phone);
    if (phone) expect(text).toContain(phone);
    if (self?.url && smsLength(toGsm7(self.url)) < 100) expect(text).toContain(self.url);
    expect(text).toContain('you can refer yourself');
  });

  it('keeps the instructions when they fit, with plain quotes and dashes', () => {
    const [, provider] = variants.find(([n]) => n.startsWith('curly')) as [string, Provider];
    expect(smsText(provider)).toBe(
      `St Anne's Work - Health: you can refer yourself on 0113 496 0002. Call "the team" - we're open 9am-5pm... weekdays.`,
    );
  });

  it('shortens a long name with three dots, not "…"', () => {
    const [, provider] = variants.find(([n]) => n.startsWith('a very long')) as [string, Provider];
    const text = smsText(provider);
    expect(text).toMatch(
      /^Very Long Name .*\.\.\.: you can refer yourself on 0113 496 0002 or at https:\/\/example\.org/,
    );
    expect(text).not.toContain('…');
    expect(smsLength(text)).toBe(SMS_MAX);
  });

  it('counts extension characters as two septets', () => {
    const [, provider] = variants.find(([n]) => n.startsWith('a long name full')) as [string, Provider];
    const text = smsText(provider);
    expect(text.length).toBeLessThan(smsLength(text));
    expect(smsLength(text)).toBeLessThanOrEqual(SMS_MAX);
  });
});

describe('toGsm7 and smsLength', () => {
  it.each<[string, string]>([
    ['It’s ‘quoted’ and “double”', `It's 'quoted' and "double"`],
    ['9am–5pm — or … later', '9am-5pm - or ... later'],
    ['Café naïve Łódź', 'Café naive odz'],
    ['Ørsted Ñandú Müller', 'Ørsted Ñandu Müller'],
    ['Hi 😀 there ✓', 'Hi there'],
    ['Tabs\tand\nnew lines', 'Tabs and new lines'],
    ['£5 or €5 [a] {b} ~c^ |d\\', '£5 or €5 [a] {b} ~c^ |d\\'],
  ])('%s', (input, expected) => {
    expect(toGsm7(input)).toBe(expected);
    expect(isGsm7(toGsm7(input))).toBe(true);
  });

  it.each<[string, number]>([
    ['abc', 3],
    ['€', 2],
    ['^{}\\[~]|€', 18],
    ['£é', 2],
  ])('%s is %d septets', (text, n) => {
    expect(smsLength(text)).toBe(n);
  });
});
