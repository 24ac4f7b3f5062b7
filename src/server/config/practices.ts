/**
 * The practices' configurations as the hub uses them: the document to serve, its ETag, and the
 * parsed provider directory for checking referrals. Parsing and hashing happen once per document
 * (the file source hands back the same object until the file changes).
 */
import { createHash } from 'node:crypto';
import { type Directory, type Provider, parseDirectory } from '../../domain/directory.js';
import { ConfigBrokenError, type ConfigSource, type PracticeConfigDocument } from './source.js';

export interface ServedConfig {
  body: string;
  /** Strong ETag: a SHA-256 of the body. */
  etag: string;
}

export class PracticeConfigs {
  private readonly servedCache = new WeakMap<PracticeConfigDocument, ServedConfig>();
  private readonly directories = new WeakMap<PracticeConfigDocument, Directory>();

  constructor(readonly source: ConfigSource) {}

  /** The JSON to serve and its ETag, or undefined when the practice has no configuration. */
  async served(ods: string): Promise<ServedConfig | undefined> {
    const doc = await this.source.get(ods);
    if (doc === undefined) return undefined;
    let served = this.servedCache.get(doc);
    if (served === undefined) {
      const body = JSON.stringify({ rules: doc.rules, directory: doc.directory });
      served = { body, etag: `"${createHash('sha256').update(body).digest('base64url')}"` };
      this.servedCache.set(doc, served);
    }
    return served;
  }

  /** The practice's parsed directory, or undefined when the practice has no configuration. */
  async directory(ods: string): Promise<Directory | undefined> {
    const doc = await this.source.get(ods);
    if (doc === undefined) return undefined;
    let directory = this.directories.get(doc);
    if (directory === undefined) {
      const parsed = parseDirectory(doc.directory);
      // A source that does not validate (a test double) can still hand over a broken directory.
      if (!parsed.ok)
        throw new ConfigBrokenError(`the provider directory of practice ${ods}`, parsed.problems);
      directory = parsed.directory;
      this.directories.set(doc, directory);
    }
    return directory;
  }

  /** The provider by id in the practice's directory (undefined when either is missing). */
  async provider(ods: string, providerId: string): Promise<Provider | undefined> {
    return (await this.directory(ods))?.providers.find((p) => p.id === providerId);
  }
}
