export {
  feedbackItem,
  type HubFeedbackOptions,
  hubFeedbackQueue,
  type PromptEventAction,
  type PromptEventReport,
  type PromptEventSink,
} from './hubFeedback.js';
export {
  FEEDBACK_NAMESPACE,
  type FeedbackStore,
  feedbackKey,
  type KeyValueStorage,
  type LocalFeedbackStoreOptions,
  LocalStorageFeedbackStore,
  MemoryFeedbackStore,
  patientKeyOf,
  type RecordedFeedback,
} from './store.js';
