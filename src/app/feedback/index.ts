export {
  FEEDBACK_NAMESPACE,
  type FeedbackStore,
  feedbackKey,
  type KeyValueStorage,
  type LocalFeedbackStoreOptions,
  LocalStorageFeedbackStore,
  MemoryFeedbackStore,
  patientKeyOf,
} from './store.js';
