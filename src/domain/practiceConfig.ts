/**
 * A practice's configuration document: `{ "rules": <rules file>, "directory": <provider directory>,
 * "hub"?: { "url": <the referral hub that delivers its referrals> } }`. The GP app reads it (from a
 * static file or the hub) and the hub serves it; both check it with this one function, so a document
 * one accepts the other accepts, with the same reasons when it does not.
 */
import { type Directory, parseDirectory } from './directory.js';
import { parseRules, type RulesFile } from './rules.js';

export type PracticeConfigResult =
  | { ok: true; rules: RulesFile; directory: Directory; hubUrl?: string }
  | { ok: false; problems: string[] };

/** Validates a configuration document: the rules (checked against the directory's provider ids), the directory and the hub. */
export function parsePracticeConfig(json: unknown): PracticeConfigResult {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return {
      ok: false,
      problems: [
        'The configuration must be a JSON object with "rules" (the prompt rules) and "directory" (the provider list).',
      ],
    };
  }
  const { rules, directory, hub } = json as { rules?: unknown; directory?: unknown; hub?: unknown };
  const problems: string[] = [];
  if (directory === undefined) problems.push('The configuration has no "directory" (the provider list).');
  if (rules === undefined) problems.push('The configuration has no "rules" (the prompt rules).');
  const hubUrl = hub === undefined ? undefined : hubUrlOf(hub);
  if (hub !== undefined && hubUrl === undefined) {
    problems.push(
      'The configuration\'s "hub" must be {"url": "https://…"}, the referral hub\'s address (http or https).',
    );
  }
  if (problems.length > 0) return { ok: false, problems };
  const parsedDirectory = parseDirectory(directory);
  if (!parsedDirectory.ok) return { ok: false, problems: parsedDirectory.problems };
  const parsedRules = parseRules(rules, {
    providerIds: parsedDirectory.directory.providers.map((p) => p.id),
  });
  if (!parsedRules.ok) return { ok: false, problems: parsedRules.problems.map((p) => `Rules: ${p}`) };
  return {
    ok: true,
    rules: parsedRules.value,
    directory: parsedDirectory.directory,
    ...(hubUrl ? { hubUrl } : {}),
  };
}

/** The hub's address from `{"url": …}`: an absolute http(s) URL without a trailing slash. */
function hubUrlOf(hub: unknown): string | undefined {
  const url = (hub as { url?: unknown } | null)?.url;
  if (typeof url !== 'string') return undefined;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
    return parsed.href.replace(/\/+$/, '');
  } catch {
    return undefined;
  }
}
