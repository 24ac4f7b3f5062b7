/**
 * Versioned practice configuration (the IT-lead console): what the GP app is served, and how a
 * practice's version history starts.
 *
 * - The served `{ rules, directory }` document = the published rules version and the published
 *   directory version from the store, each falling back to the ConfigSource (practice files, the
 *   examples, the sandbox) when the practice has none stored (`layeredDocument`).
 * - The first time an IT lead opens the console for a practice with nothing stored, version 1 of each
 *   kind is seeded from the ConfigSource (or the national defaults with an empty directory) and
 *   published, author 'hub' (`ensureSeeded`). From then on the store is the practice's configuration:
 *   a later change to the file is not picked up (the console's import is the way to bring one in).
 * - `versionViews`: versions as the console shows them, each with a readable diff against the one before.
 */
import { describeChanges } from '../../domain/configDiff.js';
import { DEFAULT_RULES } from '../../domain/defaultRules.js';
import type { ConfigKind, ConfigVersion, HubStore } from '../store/types.js';
import type { ConfigSource, PracticeConfigDocument } from './source.js';

export const SEEDED_FROM_FILE = "Started from the practice's configuration file";
export const SEEDED_FROM_NATIONAL = 'Started from the national defaults';
export const EMPTY_DIRECTORY = { schemaVersion: 1, providers: [] } as const;

/** A version as the console shows it: without practice and kind, with its changes from the version before. */
export type VersionView = Omit<ConfigVersion, 'practiceOds' | 'kind'> & { changes: string[] };

export function versionView(version: ConfigVersion, previous: ConfigVersion | undefined): VersionView {
  const { practiceOds: _practice, kind, ...rest } = version;
  return { ...rest, changes: describeChanges(previous?.body, version.body, kind) };
}

/** Views of a newest-first list, each diffed against the next older one. */
export function versionViews(versions: readonly ConfigVersion[]): VersionView[] {
  return versions.map((version, i) => versionView(version, versions[i + 1]));
}

/** The layered document and which stored versions it came from (undefined: from the ConfigSource). */
export interface LayeredDocument {
  document: PracticeConfigDocument;
  rulesVersion?: number;
  directoryVersion?: number;
  /** The ConfigSource's document, when any part came from it. */
  sourceDocument?: PracticeConfigDocument;
}

/**
 * The practice's current configuration: published versions from the store, else the ConfigSource's
 * (undefined when neither has anything). Throws ConfigBrokenError when the source's file is broken
 * and a part has to come from it.
 */
export async function layeredDocument(
  store: HubStore,
  source: ConfigSource,
  ods: string,
): Promise<LayeredDocument | undefined> {
  const [rules, directory] = await Promise.all([
    store.publishedConfigVersion(ods, 'rules'),
    store.publishedConfigVersion(ods, 'directory'),
  ]);
  if (rules !== undefined && directory !== undefined) {
    return {
      document: { rules: rules.body, directory: directory.body },
      rulesVersion: rules.version,
      directoryVersion: directory.version,
    };
  }
  const file = await source.get(ods);
  if (rules === undefined && directory === undefined) {
    // Wholly the source's: the same object while the file is unchanged (the served cache keys on it).
    return file === undefined ? undefined : { document: file, sourceDocument: file };
  }
  const document: PracticeConfigDocument = {
    rules: rules !== undefined ? rules.body : (file?.rules ?? DEFAULT_RULES),
    directory: directory !== undefined ? directory.body : (file?.directory ?? EMPTY_DIRECTORY),
  };
  return {
    document,
    ...(rules !== undefined ? { rulesVersion: rules.version } : {}),
    ...(directory !== undefined ? { directoryVersion: directory.version } : {}),
    ...(file !== undefined ? { sourceDocument: file } : {}),
  };
}

/** Seeds under way, per store and practice, so two console requests at once seed once (within this process). */
const seedingByStore = new WeakMap<HubStore, Map<string, Promise<void>>>();

/**
 * Makes sure the practice has a published version of each kind, seeding version 1 from the
 * ConfigSource (or the national defaults and an empty directory) when it has none.
 */
export function ensureSeeded(
  store: HubStore,
  source: ConfigSource,
  ods: string,
  now: () => number,
): Promise<void> {
  let seeding = seedingByStore.get(store);
  if (seeding === undefined) {
    seeding = new Map();
    seedingByStore.set(store, seeding);
  }
  const running = seeding.get(ods);
  if (running) return running;
  const work = (async () => {
    const kinds: ConfigKind[] = ['rules', 'directory'];
    const missing: ConfigKind[] = [];
    for (const kind of kinds) {
      if ((await store.listConfigVersions(ods, kind)).length === 0) missing.push(kind);
    }
    if (missing.length === 0) return;
    const file = await source.get(ods);
    for (const kind of missing) {
      const body = kind === 'rules' ? (file?.rules ?? DEFAULT_RULES) : (file?.directory ?? EMPTY_DIRECTORY);
      await store.saveConfigVersion(
        {
          practiceOds: ods,
          kind,
          body,
          author: 'hub',
          note: file === undefined ? SEEDED_FROM_NATIONAL : SEEDED_FROM_FILE,
          publish: true,
        },
        now(),
      );
    }
  })().finally(() => seeding.delete(ods));
  seeding.set(ods, work);
  return work;
}
