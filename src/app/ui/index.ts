/** The GP app's UI: components driven by props (data in, callbacks out). */
export { App, type AppProps, type ReferralToSend } from './App.js';
export {
  formatDate,
  formatNhsNumber,
  londonToday,
  referralStatusLabel,
  summariseReferrals,
} from './format.js';
export { LAUNCH_ERROR_COPY, LaunchErrorScreen, type LaunchErrorScreenProps } from './LaunchErrorScreen.js';
export { PatientBanner, type PatientBannerProps } from './PatientBanner.js';
export { PatientPanel, type PatientPanelProps } from './PatientPanel.js';
export { PromptDialog, type PromptDialogProps } from './PromptDialog.js';
// The referral form is loaded on demand by App (its own chunk); import it from './ReferralForm.js'.
export type { ReferralFormProps, SendResult } from './ReferralForm.js';
export { selfReferralProviders, smsText } from './selfReferral.js';
export {
  type AppContext,
  type FhirRequester,
  LAUNCH_FAILURE_KINDS,
  type LaunchFailure,
  type LaunchFailureKind,
  type SmartSession,
} from './types.js';
