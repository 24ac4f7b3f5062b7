/** Self-referral details a GP gives the patient: which providers take them, and a text for an SMS. */

import type { Provider } from '../../domain/directory.js';
import type { ProviderOption } from '../../domain/evaluate.js';

export const SMS_MAX = 160;

/**
 * Providers the patient can contact themselves: those in the prompt's options with self-referral
 * details that are eligible, or ineligible only because they are not taking GP referrals (a
 * paused service may still take self-referrals).
 */
export function selfReferralProviders(
  options: readonly ProviderOption[] | undefined,
  directory: readonly Provider[],
): Provider[] {
  const out: Provider[] = [];
  for (const option of options ?? []) {
    const provider = directory.find((p) => p.id === option.id);
    if (!provider?.selfReferral) continue;
    const onlyPaused = !option.eligible && option.reasons.every((r) => r.startsWith('Not taking referrals'));
    if (option.eligible || onlyPaused) out.push(provider);
  }
  return out;
}

/**
 * A text message of at most 160 characters: the provider, how to refer (phone, web address), and
 * the provider's instructions when they fit.
 */
export function smsText(provider: Provider): string {
  const self = provider.selfReferral;
  const how = [self?.phone ?? (self?.url ? undefined : provider.contact.phone), self?.url].filter(
    (x): x is string => Boolean(x),
  );
  const core = `${provider.name}: you can refer yourself${how.length ? ` on ${how.join(' or at ')}` : ''}.`;
  const withInstructions = self ? `${core} ${self.instructions}` : core;
  if (withInstructions.length <= SMS_MAX) return withInstructions;
  if (core.length <= SMS_MAX) return core;
  // A very long name: keep the contact details whole and shorten the name.
  const tail = `: you can refer yourself${how.length ? ` on ${how.join(' or at ')}` : ''}.`;
  const room = Math.max(0, SMS_MAX - tail.length - 1);
  return `${provider.name.slice(0, room)}…${tail}`.slice(0, SMS_MAX);
}
