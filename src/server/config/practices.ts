/**
 * The practices' configurations as the hub uses them: the document to serve, its ETag, and the
 * parsed provider directory for checking referrals. The document is the practice's published
 * versions from the store (the IT-lead console), each part falling back to the ConfigSource
 * (versions.ts layeredDocument). Parsing and hashing happen once per document: per stored version,
 * or per source document (the file source hands back the same object until the file changes).
 */
import { createHash } from 'node:crypto';
import { type Directory, type Provider, parseDirectory } from '../../domain/directory.js';
import type { HubStore } from '../store/types.js';
import { ConfigBrokenError, type ConfigSource, type PracticeConfigDocument } from './source.js';
import { type LayeredDocument, layeredDocument } from './versions.js';

export interface ServedConfig {
  body: string;
  /** Strong ETag: a SHA-256 of the body. */
  etag: string;
}

/** Most cached entries kept for stored versions (a cache this size is emptied, not grown). */
const CACHE_LIMIT = 1000;

export class PracticeConfigs {
  private readonly servedCache = new WeakMap<PracticeConfigDocument, ServedConfig>();
  private readonly directories = new WeakMap<PracticeConfigDocument, Directory>();
  /** Served documents made wholly of stored versions, by `ods|rules version|directory version`. */
  private readonly storedServed = new Map<string, ServedConfig>();
  /** Parsed stored directories, by `ods|directory version`. */
  private readonly storedDirectories = new Map<string, Directory>();

  constructor(
    readonly source: ConfigSource,
    /** The store with the practices' published versions (without one: the source alone). */
    readonly store?: HubStore,
  ) {}

  private async layered(ods: string): Promise<LayeredDocument | undefined> {
    if (this.store === undefined) {
      const document = await this.source.get(ods);
      return document === undefined ? undefined : { document, sourceDocument: document };
    }
    return layeredDocument(this.store, this.source, ods);
  }

  /** The practice's current `{ rules, directory }` (published versions, else the source), or undefined. */
  async document(ods: string): Promise<PracticeConfigDocument | undefined> {
    return (await this.layered(ods))?.document;
  }

  /** The JSON to serve and its ETag, or undefined when the practice has no configuration. */
  async served(ods: string): Promise<ServedConfig | undefined> {
    const layered = await this.layered(ods);
    if (layered === undefined) return undefined;
    const { document, rulesVersion, directoryVersion, sourceDocument } = layered;
    const storedKey =
      rulesVersion !== undefined && directoryVersion !== undefined
        ? `${ods}|${rulesVersion}|${directoryVersion}`
        : undefined;
    const cached =
      storedKey !== undefined
        ? this.storedServed.get(storedKey)
        : document === sourceDocument
          ? this.servedCache.get(document)
          : undefined;
    if (cached) return cached;
    const body = JSON.stringify({ rules: document.rules, directory: document.directory });
    const served = { body, etag: `"${createHash('sha256').update(body).digest('base64url')}"` };
    if (storedKey !== undefined) {
      if (this.storedServed.size >= CACHE_LIMIT) this.storedServed.clear();
      this.storedServed.set(storedKey, served);
    } else if (document === sourceDocument) {
      this.servedCache.set(document, served);
    }
    return served;
  }

  /** The practice's parsed directory, or undefined when the practice has no configuration. */
  async directory(ods: string): Promise<Directory | undefined> {
    const layered = await this.layered(ods);
    if (layered === undefined) return undefined;
    const { document, directoryVersion, sourceDocument } = layered;
    const storedKey = directoryVersion === undefined ? undefined : `${ods}|${directoryVersion}`;
    let directory =
      storedKey !== undefined
        ? this.storedDirectories.get(storedKey)
        : sourceDocument !== undefined
          ? this.directories.get(sourceDocument)
          : undefined;
    if (directory === undefined) {
      const parsed = parseDirectory(document.directory);
      // A source that does not validate (a test double) can still hand over a broken directory.
      if (!parsed.ok)
        throw new ConfigBrokenError(`the provider directory of practice ${ods}`, parsed.problems);
      directory = parsed.directory;
      if (storedKey !== undefined) {
        if (this.storedDirectories.size >= CACHE_LIMIT) this.storedDirectories.clear();
        this.storedDirectories.set(storedKey, directory);
      } else if (sourceDocument !== undefined) {
        this.directories.set(sourceDocument, directory);
      }
    }
    return directory;
  }

  /** The provider by id in the practice's directory (undefined when either is missing). */
  async provider(ods: string, providerId: string): Promise<Provider | undefined> {
    return (await this.directory(ods))?.providers.find((p) => p.id === providerId);
  }
}
