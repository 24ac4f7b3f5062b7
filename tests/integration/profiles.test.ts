/**
 * The generated FHIR profiles (fhir-profiles/fsh-generated/resources) against their FSH sources and
 * the domain's codes: no drift, valid examples, identical code lists, snapshots everywhere.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CodeSystem, Resource, ValueSet } from '@medplum/fhirtypes';
import {
  ADVICE_CODES,
  ASSESS_AGAIN_CODE,
  CANONICAL_BASE,
  CODE_SYSTEM,
  EMPLOYMENT_DETAIL_CODES,
  EMPLOYMENT_STATUSES,
  ICD10,
  MODALITIES,
  NHS_NUMBER_SYSTEM,
  OVERRIDE_REASONS,
  PROFILE,
  SERVICE_TYPES,
  SHARE_CATEGORIES,
  SNOMED,
  VALUE_SET,
} from '../../src/domain/codes.js';
import { CONDITION_GROUPS } from '../../src/domain/conditionGroups.js';
import { BUSINESS_STATUSES, DECLINE_REASONS, RETURN_TO_WORK_GOALS } from '../../src/domain/outcome.js';
import {
  GENERATED_RESOURCES_PATH,
  getCodeSystem,
  getProfile,
  getValueSet,
  listExamples,
  listProfiles,
  packageRoot,
} from '../../src/fhir/profiles.js';
import { REFERRAL_OUTPUT_TYPES } from '../../src/fhir/taskOutcome.js';
import { validateAgainstProfile } from '../../src/fhir/validate.js';

const root = packageRoot();
const committedDir = path.join(root, GENERATED_RESOURCES_PATH);

function jsonFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
}

describe('generated profiles are in step with the FSH', () => {
  it('a fresh offline SUSHI build reproduces the committed JSON byte for byte', () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fitnote-profiles-drift-'));
    try {
      const outDir = path.join(work, 'resources');
      const home = path.join(work, 'home');
      fs.mkdirSync(home);
      // A throwaway HOME proves the build does not rely on ~/.fhir; FPL_REGISTRY points nowhere.
      const run = spawnSync(process.execPath, [path.join(root, 'fhir-profiles/build.mjs'), '--out', outDir], {
        cwd: root,
        env: { ...process.env, HOME: home, FPL_REGISTRY: 'http://127.0.0.1:9' },
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });

      const built = jsonFiles(outDir);
      const committed = jsonFiles(committedDir);
      const differing = [...new Set([...built, ...committed])].filter((file) => {
        const a = path.join(outDir, file);
        const b = path.join(committedDir, file);
        return !fs.existsSync(a) || !fs.existsSync(b) || !fs.readFileSync(a).equals(fs.readFileSync(b));
      });
      if (differing.length > 0) {
        throw new Error(
          `fhir-profiles/fsh-generated/resources is out of date with the FSH in ${differing.length} file(s): ` +
            `${differing.join(', ')}. Run \`npm run profiles\` and commit the result.`,
        );
      }
      expect(built.length).toBeGreaterThan(0);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('profiles', () => {
  it('has exactly the profiles src/domain/codes.ts names', () => {
    expect(
      listProfiles()
        .map((p) => p.url)
        .sort(),
    ).toEqual(Object.values(PROFILE).sort());
  });

  it.each(Object.entries(PROFILE))('%s has a snapshot covering its differential', (_key, url) => {
    const profile = getProfile(url);
    expect(profile).toMatchObject({ url, status: 'draft', fhirVersion: '4.0.1', derivation: 'constraint' });
    const snapshotIds = new Set(profile?.snapshot?.element?.map((e) => e.id));
    expect(snapshotIds.size).toBeGreaterThan(10);
    for (const element of profile?.differential?.element ?? []) {
      expect(snapshotIds).toContain(element.id);
    }
  });

  it.each(Object.entries(PROFILE))('%s has at least one example', (_key, url) => {
    expect(listExamples().filter((r) => r.meta?.profile?.includes(url)).length).toBeGreaterThan(0);
  });
});

describe('example instances', () => {
  const examples = listExamples().map((r): [string, Resource] => [`${r.resourceType}/${r.id}`, r]);

  it.each(examples)('%s validates against its profile', (_label, resource) => {
    const profile = resource.meta?.profile?.[0];
    expect(profile).toBeDefined();
    expect(validateAgainstProfile(resource, profile ?? '')).toEqual([]);
  });

  it('use only NHS numbers that pass the modulus-11 check, in the 999 test range', () => {
    const numbers = JSON.stringify(listExamples()).match(
      new RegExp(`"system":"${NHS_NUMBER_SYSTEM}","value":"(\\d+)"`, 'g'),
    );
    expect(numbers?.length).toBeGreaterThan(0);
    for (const entry of numbers ?? []) {
      const digits = (/"value":"(\d+)"/.exec(entry)?.[1] ?? '').split('').map(Number);
      expect(digits).toHaveLength(10);
      expect(digits.slice(0, 3)).toEqual([9, 9, 9]);
      const sum = digits.slice(0, 9).reduce((total, d, i) => total + d * (10 - i), 0);
      const check = (11 - (sum % 11)) % 11;
      expect(check).not.toBe(10);
      expect(digits[9]).toBe(check);
    }
  });
});

describe('code systems and value sets equal src/domain', () => {
  const codeLists: Array<[keyof typeof CODE_SYSTEM, readonly string[]]> = [
    ['fitNoteAdvice', [...ADVICE_CODES, ASSESS_AGAIN_CODE]],
    ['referralServiceType', SERVICE_TYPES],
    ['assessmentModality', MODALITIES],
    ['promptOverrideReason', OVERRIDE_REASONS],
    ['employmentStatus', EMPLOYMENT_STATUSES],
    ['employmentDetail', EMPLOYMENT_DETAIL_CODES],
    ['shareCategory', SHARE_CATEGORIES],
    ['referralOutcome', REFERRAL_OUTPUT_TYPES],
    ['returnToWorkGoal', RETURN_TO_WORK_GOALS],
    ['referralBusinessStatus', BUSINESS_STATUSES],
    ['referralDeclineReason', DECLINE_REASONS],
  ];

  it.each(codeLists)('CodeSystem %s has exactly the codes of the domain array, in order', (key, codes) => {
    const codeSystem = getCodeSystem(CODE_SYSTEM[key]) as CodeSystem;
    expect(codeSystem).toMatchObject({ url: CODE_SYSTEM[key], content: 'complete', caseSensitive: true });
    expect(codeSystem.concept?.map((c) => c.code)).toEqual([...codes]);
    expect(codeSystem.concept?.every((c) => (c.display ?? '').length > 0)).toBe(true);
  });

  it.each(codeLists)('ValueSet %s holds every code of its code system', (key) => {
    const url = CODE_SYSTEM[key].replace('/CodeSystem/', '/ValueSet/');
    expect(getValueSet(url)?.compose?.include).toEqual([{ system: CODE_SYSTEM[key] }]);
  });

  it.each<[string, string, string[]]>([
    ['fit-note-advice-options', CODE_SYSTEM.fitNoteAdvice, [...ADVICE_CODES]],
    [
      'employment-status-recorded',
      CODE_SYSTEM.employmentStatus,
      EMPLOYMENT_STATUSES.filter((s) => s !== 'unknown'),
    ],
    ['fit-note-outcome', SNOMED, ['160910001', '225891002']],
  ])('ValueSet %s enumerates the right codes', (id, system, codes) => {
    const include = getValueSet(`${CANONICAL_BASE}/ValueSet/${id}`)?.compose?.include ?? [];
    expect(include).toHaveLength(1);
    expect(include[0]?.system).toBe(system);
    expect(include[0]?.concept?.map((c) => c.code)).toEqual(codes);
  });

  it.each([
    ['msk', VALUE_SET.msk],
    ['mental-health', VALUE_SET.mentalHealth],
  ] as const)('condition group %s equals CONDITION_GROUPS', (id, url) => {
    const group = CONDITION_GROUPS[id];
    const valueSet = getValueSet(url) as ValueSet;
    expect(valueSet.title).toBe(group.title);
    const include = valueSet.compose?.include ?? [];
    const icd = include.filter((i) => i.system === ICD10);
    expect(icd.map((i) => i.filter)).toEqual(
      group.icd10Ranges.map((r) => [{ property: 'concept', op: 'is-a', value: `${r.from}-${r.to}` }]),
    );
    const snomed = include.filter((i) => i.system === SNOMED).flatMap((i) => i.concept ?? []);
    expect(snomed).toEqual(group.snomed);
    expect(include.every((i) => i.system === ICD10 || i.system === SNOMED)).toBe(true);
  });
});
