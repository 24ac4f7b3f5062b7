/**
 * Where the hub finds each practice's configuration: its prompt rules and provider directory, the
 * same `{ rules, directory }` document the GP app reads. `files.ts` reads them from a folder.
 */

/** A practice's configuration, as the app reads it. */
export interface PracticeConfigDocument {
  rules: unknown;
  directory: unknown;
}

export interface ConfigSource {
  /**
   * The practice's configuration by ODS code (upper case), or undefined when the practice has none.
   * Throws `ConfigBrokenError` when the practice's file exists but cannot be used.
   */
  get(ods: string): Promise<PracticeConfigDocument | undefined>;
}

/** A practice's configuration file exists but is broken (the IT lead's to fix, not the GP's). */
export class ConfigBrokenError extends Error {
  constructor(
    /** The file (or files) at fault. */
    readonly file: string,
    /** What is wrong, in plain English, one line each. */
    readonly problems: string[],
  ) {
    super(`The practice configuration ${file} cannot be used: ${problems.join(' ')}`);
    this.name = 'ConfigBrokenError';
  }
}

/** An ODS organisation code as the hub accepts it: 3 to 10 letters and digits, upper-cased. */
export function normaliseOds(text: string): string | undefined {
  return /^[A-Za-z0-9]{3,10}$/.test(text) ? text.toUpperCase() : undefined;
}
