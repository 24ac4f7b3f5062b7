/**
 * Practice configurations from files: a folder of `<ODS>.json`, each `{ "rules": …, "directory": … }`
 * (HUB_CONFIG_DIR), or, without a folder, the shipped examples (examples/rules.json and
 * examples/directory.json) as the sandbox practice A99999.
 *
 * Each file is validated with the domain's parsers (parseDirectory, then parseRules against the
 * directory's provider ids) when first read and again whenever it changes (its modification time or
 * size). A broken file throws ConfigBrokenError naming the file and every problem; other practices'
 * files are unaffected.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parsePracticeConfig } from '../../domain/practiceConfig.js';
import { packageRoot } from '../../fhir/profiles.js';
import { ConfigBrokenError, type ConfigSource, normaliseOds, type PracticeConfigDocument } from './source.js';

/** The sandbox practice's ODS code (src/sandbox/vignettes.ts). */
export const EXAMPLE_PRACTICE_ODS = 'A99999';

interface Entry {
  stamp: string;
  document: PracticeConfigDocument;
}

/** Checks a configuration document with the app's own check (src/domain/practiceConfig.ts); empty when usable. */
export function configProblems(json: unknown): string[] {
  const parsed = parsePracticeConfig(json);
  return parsed.ok ? [] : parsed.problems;
}

async function stampOf(file: string): Promise<string | undefined> {
  try {
    const s = await stat(file);
    return `${s.mtimeMs}:${s.size}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function readJson(file: string, label: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigBrokenError(label, [
      `It could not be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
    ]);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ConfigBrokenError(label, [`It is not valid JSON (${(error as Error).message}).`]);
  }
}

export interface FileSourceOptions {
  /**
   * How long a file's modification stamp is trusted before it is looked at again (ms). Every referral
   * and config read asks for the practice's settings; a stat per request was about 7% of the hub's
   * time under load. Default 1 000: an IT lead's change applies within a second.
   */
  recheckMs?: number;
  now?: () => number;
}

/** The file's stamp, looked at again only when the last look is older than `recheckMs`. */
function stampReader(options: FileSourceOptions): (file: string) => Promise<string | undefined> {
  const recheckMs = options.recheckMs ?? 1_000;
  const now = options.now ?? Date.now;
  const seen = new Map<string, { stamp: string | undefined; at: number }>();
  return async (file) => {
    const t = now();
    const last = seen.get(file);
    if (last !== undefined && t - last.at < recheckMs) return last.stamp;
    const stamp = await stampOf(file);
    seen.set(file, { stamp, at: t });
    return stamp;
  };
}

/** `<dir>/<ODS>.json` per practice. */
export function fileConfigSource(dir: string, options: FileSourceOptions = {}): ConfigSource {
  const cache = new Map<string, Entry>();
  const stampNow = stampReader(options);
  return {
    async get(odsText) {
      const ods = normaliseOds(odsText);
      if (ods === undefined) return undefined;
      const file = path.join(dir, `${ods}.json`);
      const stamp = await stampNow(file);
      if (stamp === undefined) {
        cache.delete(ods);
        return undefined;
      }
      const cached = cache.get(ods);
      if (cached !== undefined && cached.stamp === stamp) return cached.document;
      // Named without the folder: the message reaches the GP's screen.
      const label = `${ods}.json in the hub's configuration folder`;
      const json = await readJson(file, label);
      const problems = configProblems(json);
      if (problems.length > 0) throw new ConfigBrokenError(label, problems);
      const { rules, directory } = json as PracticeConfigDocument;
      const document = { rules, directory };
      cache.set(ods, { stamp, document });
      return document;
    },
  };
}

/** The shipped examples (examples/rules.json, examples/directory.json) as practice A99999. */
export function examplesConfigSource(
  root: string = packageRoot(),
  options: FileSourceOptions = {},
): ConfigSource {
  const stampNow = stampReader(options);
  const rulesFile = path.join(root, 'examples', 'rules.json');
  const directoryFile = path.join(root, 'examples', 'directory.json');
  const label = 'examples/rules.json and examples/directory.json';
  let cached: Entry | undefined;
  return {
    async get(odsText) {
      if (normaliseOds(odsText) !== EXAMPLE_PRACTICE_ODS) return undefined;
      const stamps = await Promise.all([stampNow(rulesFile), stampNow(directoryFile)]);
      if (stamps.includes(undefined)) {
        throw new ConfigBrokenError(label, ['One of the example files is missing.']);
      }
      const stamp = stamps.join('|');
      if (cached !== undefined && cached.stamp === stamp) return cached.document;
      const [rules, directory] = await Promise.all([
        readJson(rulesFile, 'examples/rules.json'),
        readJson(directoryFile, 'examples/directory.json'),
      ]);
      const problems = configProblems({ rules, directory });
      if (problems.length > 0) throw new ConfigBrokenError(label, problems);
      cached = { stamp, document: { rules, directory } };
      return cached.document;
    },
  };
}
