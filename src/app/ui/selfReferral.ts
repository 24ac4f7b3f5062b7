/**
 * Self-referral details a GP gives the patient: which providers take them (selfReferralProviders.ts,
 * re-exported), and a text for an SMS. This module loads only when the self-referral view opens.
 */

import type { Provider } from '../../domain/directory.js';
import { SMS_MAX } from './selfReferralProviders.js';

export { SMS_MAX, selfReferralProviders } from './selfReferralProviders.js';

/** GSM 03.38: the extension table (two septets: escape + char), and the default alphabet's non-ASCII part. */
const GSM_EXTENDED = '^{}\\[~]|€';
const GSM_OTHER = '£¥èéùìòÇØøÅåΔΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà';
/** In the default alphabet: printable ASCII except ` and the extension table, and GSM_OTHER. */
const isGsm = (ch: string) => (ch >= ' ' && ch <= 'z' && !'`^\\[]'.includes(ch)) || GSM_OTHER.includes(ch);

/**
 * Text in the GSM 7-bit alphabet only, so a phone sends it as GSM-7 (160 septets a message) and not
 * UCS-2 (70 characters): typographic quotes and dashes become ASCII ones, "…" three dots, accented
 * letters outside the alphabet lose their accents, any other character (emoji, symbols) is dropped,
 * and runs of white space become one space.
 */
export function toGsm7(text: string): string {
  let out = '';
  for (const ch of text
    .replace(/[‘’‚‛′]/g, "'")
    .replace(/[“”„″«»]/g, '"')
    .replace(/[‐-―−•]/g, '-')
    .replace(/…/g, '...')
    .replace(/\s+/g, ' ')) {
    if (isGsm(ch) || GSM_EXTENDED.includes(ch)) out += ch;
    else for (const c of ch.normalize('NFD')) if (isGsm(c)) out += c;
  }
  return out.replace(/ +/g, ' ').trim();
}

/** Septets a GSM-7 text takes: one per character, two for the extension table's ^{}\[~]|€. */
export function smsLength(text: string): number {
  let n = 0;
  for (const ch of text) n += GSM_EXTENDED.includes(ch) ? 2 : 1;
  return n;
}

/** The longest start of `text` that takes at most `max` septets. */
function clip(text: string, max: number): string {
  let out = '';
  for (const ch of text) {
    if (smsLength(out + ch) > max) break;
    out += ch;
  }
  return out;
}

/**
 * A text message that fits one SMS (at most 160 septets, GSM-7 characters only): the provider, how to
 * refer (phone, web address), and the provider's instructions when they fit. A name too long for the
 * message is shortened with "..." so the contact details stay whole.
 */
export function smsText(provider: Provider): string {
  const self = provider.selfReferral;
  const how = [self?.phone ?? (self?.url ? undefined : provider.contact.phone), self?.url].filter(
    (x): x is string => Boolean(x),
  );
  const tail = toGsm7(`: you can refer yourself${how.length ? ` on ${how.join(' or at ')}` : ''}.`);
  const name = toGsm7(provider.name);
  const core = `${name}${tail}`;
  const withInstructions = self ? `${core} ${toGsm7(self.instructions)}` : core;
  if (smsLength(withInstructions) <= SMS_MAX) return withInstructions;
  if (smsLength(core) <= SMS_MAX) return core;
  return clip(`${clip(name, SMS_MAX - smsLength(tail) - 3)}...${tail}`, SMS_MAX);
}
