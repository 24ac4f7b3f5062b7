/**
 * The app-level types the UI is driven by. They come from helper L's launch and loading modules
 * (src/app/smart, src/app/load); the UI re-exports them so its props and theirs are one type.
 */
export type { AppContext } from '../load/index.js';
export { LAUNCH_FAILURE_KINDS, type LaunchFailure, type LaunchFailureKind } from '../smart/failures.js';
export type { FhirRequester, SmartSession } from '../smart/index.js';
