export {
  type ConfigOptions,
  configUrlFor,
  DEFAULT_CONFIG_URL,
  defaultConfig,
  defaultRules,
  loadPracticeConfig,
  needsOdsCode,
  type PracticeConfig,
  parseConfig,
} from './config.js';
export {
  type AppContext,
  type LoadOptions,
  loadContext,
  personName,
} from './loadContext.js';
export { loadContextNaive } from './naive.js';
export { loadOptionsFor, type OpenAppOptions, type OpenedApp, openApp } from './openApp.js';
export {
  type CodeRef,
  fastQueries,
  fitNoteObservationCodes,
  naiveQueries,
  type Query,
  WORK_OBSERVATION_CODES,
} from './queries.js';
