/**
 * The practice's configuration: its prompt rules and provider directory, one JSON document
 * `{ "rules": <rules file>, "directory": <directory file> }` at a URL set per deployment (default a
 * static file `/config/{ods}.json` on the app's origin; the hub will serve the same shape).
 *
 * Decision: a configuration that cannot be fetched or read does not stop the app by default. The
 * shipped national default rules apply with an empty provider directory, and the reason is reported
 * (`problem`), so the GP still gets the prompt and can give self-referral details; the UI says why no
 * providers are listed. A deployment that would rather stop sets `required: true`, and the load fails
 * with `config-unreadable`.
 */
import { DEFAULT_RULES } from '../../domain/defaultRules.js';
import type { Directory } from '../../domain/directory.js';
import { parsePracticeConfig } from '../../domain/practiceConfig.js';
import { parseRules, type RulesFile } from '../../domain/rules.js';
import { LaunchFailureError } from '../smart/failures.js';

export const DEFAULT_CONFIG_URL = '/config/{ods}.json';

export interface PracticeConfig {
  rules: RulesFile;
  directory: Directory;
  /** `practice`: the practice's own file; `default`: the shipped defaults (see `problem`). */
  source: 'practice' | 'default';
  /** Why the defaults apply, in plain English (only when source is `default`). */
  problem?: string;
  /** The URL the configuration was read from (or tried). */
  url?: string;
  /**
   * The referral hub that delivers this practice's referrals (`"hub": {"url": …}` in the
   * configuration). Without one the app hands each referral straight to the provider's endpoint.
   */
  hubUrl?: string;
}

export interface ConfigOptions {
  /** URL template; `{ods}` is replaced by the practice's ODS code. Relative URLs resolve against `baseUrl`. */
  configUrl?: string;
  /** What relative config URLs resolve against (default: the page's URL). */
  baseUrl?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Fail with config-unreadable instead of falling back to the defaults. Default false. */
  required?: boolean;
}

let defaults: RulesFile | undefined;

/** The shipped default rules, parsed (defaults filled in). */
export function defaultRules(): RulesFile {
  if (defaults === undefined) {
    const parsed = parseRules(DEFAULT_RULES);
    if (!parsed.ok) throw new Error(`The shipped default rules are invalid: ${parsed.problems.join('; ')}`);
    defaults = parsed.value;
  }
  return defaults;
}

export function defaultConfig(problem: string, url?: string): PracticeConfig {
  const config: PracticeConfig = {
    rules: defaultRules(),
    directory: { schemaVersion: 1, providers: [] },
    source: 'default',
    problem,
  };
  if (url !== undefined) config.url = url;
  return config;
}

/** Whether the config URL needs the practice's ODS code. */
export function needsOdsCode(configUrl: string = DEFAULT_CONFIG_URL): boolean {
  return configUrl.includes('{ods}');
}

/** The config URL for a practice, absolute; undefined when it cannot be made (no ODS code, no base). */
export function configUrlFor(
  odsCode: string | undefined,
  options: Pick<ConfigOptions, 'configUrl' | 'baseUrl'> = {},
): string | undefined {
  const template = options.configUrl ?? DEFAULT_CONFIG_URL;
  if (template.includes('{ods}') && !odsCode) return undefined;
  const path = template.replaceAll('{ods}', encodeURIComponent(odsCode ?? ''));
  const base = options.baseUrl ?? (globalThis as { location?: { href?: string } }).location?.href;
  try {
    return new URL(path, base).href;
  } catch {
    return undefined;
  }
}

/** Validates a configuration document (the one check the hub also uses: src/domain/practiceConfig.ts). */
export const parseConfig = parsePracticeConfig;

function fallback(options: ConfigOptions, reason: string, url?: string): PracticeConfig {
  const problem = `${reason} The national default prompt rules are used and no providers are listed; tell your practice IT lead.`;
  if (options.required) {
    throw new LaunchFailureError(
      'config-unreadable',
      `${reason} Try again; if it keeps happening, tell your practice IT lead.`,
    );
  }
  return defaultConfig(problem, url);
}

/** Fetches and validates the practice's configuration (see the module comment for what failure does). */
export async function loadPracticeConfig(
  odsCode: string | undefined,
  options: ConfigOptions = {},
): Promise<PracticeConfig> {
  const url = configUrlFor(odsCode, options);
  if (url === undefined) {
    return fallback(
      options,
      odsCode
        ? 'The practice’s settings address could not be worked out.'
        : 'The practice’s ODS code is not in the record, so its settings could not be found.',
    );
  }
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 8000);
  let json: unknown;
  try {
    const res = await doFetch(url, { signal: controller.signal, headers: { Accept: 'application/json' } });
    if (!res.ok) {
      return fallback(
        options,
        res.status === 404
          ? 'The practice’s settings (prompt rules and provider list) have not been set up.'
          : `The practice’s settings could not be loaded (the server answered ${res.status}).`,
        url,
      );
    }
    const text = await res.text();
    try {
      json = JSON.parse(text);
    } catch {
      return fallback(options, 'The practice’s settings file is not valid JSON.', url);
    }
  } catch {
    return fallback(
      options,
      controller.signal.aborted
        ? 'The practice’s settings took too long to load.'
        : 'The practice’s settings could not be loaded (the server could not be reached).',
      url,
    );
  } finally {
    clearTimeout(timer);
  }
  const parsed = parseConfig(json);
  if (!parsed.ok) {
    return fallback(
      options,
      `The practice’s settings have mistakes (${parsed.problems.slice(0, 3).join(' ')}${parsed.problems.length > 3 ? ` and ${parsed.problems.length - 3} more` : ''}).`,
      url,
    );
  }
  return {
    rules: parsed.rules,
    directory: parsed.directory,
    source: 'practice',
    url,
    ...(parsed.hubUrl ? { hubUrl: parsed.hubUrl } : {}),
  };
}
