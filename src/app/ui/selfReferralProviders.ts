/** Which providers in a prompt take self-referrals (in the app's first script; the SMS text is not). */

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
