export {
  classifyFailure,
  describeRequest,
  FAILURE_DETAIL,
  FhirRequestError,
  isLaunchFailure,
  LAUNCH_FAILURE_KINDS,
  type LaunchFailure,
  LaunchFailureError,
  type LaunchFailureKind,
  launchFailure,
} from './failures.js';
export {
  authorizeParams,
  type CompleteLaunchOptions,
  completeLaunch,
  type FhirContextItem,
  type ReadyClient,
  readFhirContext,
  type SmartSession,
  type SmartTokenResponse,
  type StartLaunchOptions,
  startLaunch,
} from './launch.js';
export {
  clientRequester,
  DEFAULT_TIMEOUT_MS,
  type FetchRequesterOptions,
  type FhirClientLike,
  type FhirRequester,
  fetchRequester,
  resolveFhirUrl,
  withTimeout,
} from './requester.js';
export {
  APP_SCOPE,
  APP_SCOPES,
  allows,
  canWriteBundle,
  canWriteFrom,
  missingReads,
  PATIENT_READS,
  PATIENT_WRITES,
} from './scopes.js';
export {
  applySmartStyle,
  cssVariableName,
  loadSmartStyle,
  SMART_STYLE_KEYS,
  styleVariables,
} from './style.js';
