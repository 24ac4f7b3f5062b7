/**
 * Oracle for the fast profile validator (src/fhir/validate.ts validateAgainstProfileFast, which trusts
 * src/fhir/compiledValidator.ts to recognise conforming resources): over every example, the
 * referrals the GP app builds, and a systematic mutation corpus of each, it must give exactly the
 * issues the exact validator (validateAgainstProfile) gives. Because the fast validator hands
 * anything it is not sure of to the exact one, the only way to disagree is to call a broken
 * resource valid; the corpus is built to find that (every element removed, duplicated, given a
 * wrong type, a wrong code, an empty string, a bad date, an unknown sibling).
 */

import { readFileSync } from 'node:fs';
import { getDataType, type InternalTypeSchema, parseStructureDefinition } from '@medplum/core';
import type {
  Bundle,
  Consent,
  Observation,
  Resource,
  ServiceRequest,
  StructureDefinition,
  Task,
} from '@medplum/fhirtypes';
import { PROFILE } from '../../src/domain/codes.js';
import { parseDirectory } from '../../src/domain/directory.js';
import { buildReferral } from '../../src/domain/referral.js';
import { structurallyValid } from '../../src/fhir/compiledValidator.js';
import { getProfile, listExamples } from '../../src/fhir/profiles.js';
import { validateAgainstProfile, validateAgainstProfileFast } from '../../src/fhir/validate.js';
import { peterFitNotes, peterForm } from '../fixtures/referralForms.js';

type Json = unknown;
type Mutation = { label: string; resource: Resource };

const EXAMPLE_PROFILES: Record<string, string> = {
  'fitnote-peter': PROFILE.fitNote,
  'fitnote-john': PROFILE.fitNote,
  'employment-status-peter': PROFILE.employmentStatus,
  'occupation-peter': PROFILE.occupation,
  'referral-peter': PROFILE.workHealthReferral,
  'consent-peter': PROFILE.referralConsent,
  'task-referral-peter': PROFILE.referralTask,
};

function providerFromDirectory() {
  const parsed = parseDirectory(JSON.parse(readFileSync('examples/directory.json', 'utf8')));
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  const provider = parsed.directory.providers.find((p) => p.id === 'case-managed-support');
  if (!provider) throw new Error('no case-managed-support provider in examples/directory.json');
  return provider;
}

/** The referrals the GP app builds: with and without fit-note copies, interpreter, general wording. */
function builtReferrals(): Array<{ label: string; resource: Resource; profile: string }> {
  const provider = providerFromDirectory();
  const variants: Array<[string, Parameters<typeof buildReferral>[0]['form'], boolean]> = [
    ['peter', peterForm(), true],
    ['peter-no-fit-notes', peterForm(), false],
    [
      'peter-interpreter-general-wording',
      peterForm({
        interpreter: { needed: true, language: 'pl' },
        reason: { ...peterForm().reason, useGeneralWording: true },
        shareWithProvider: ['contact-details'],
        employerLiaison: { requested: false, shareWithEmployer: [] },
      }),
      true,
    ],
  ];
  const out: Array<{ label: string; resource: Resource; profile: string }> = [];
  for (const [label, form, withNotes] of variants) {
    const bundle: Bundle = buildReferral({
      patient: { id: 'peter', nhsNumber: '9990000026', name: 'Peter Example' },
      practice: { odsCode: 'A99999', name: 'Example Street Surgery' },
      requester: { practitionerRef: 'Practitioner/gp-1', display: 'Dr A Example' },
      provider,
      episode: { start: '2026-10-24' },
      fitNoteRefs: ['Observation/fitnote-peter'],
      ...(withNotes ? { fitNotes: peterFitNotes } : {}),
      form,
      authoredOn: '2026-11-20T10:20:00Z',
    });
    for (const entry of bundle.entry ?? []) {
      const r = entry.resource;
      if (!r) continue;
      const profile =
        r.resourceType === 'ServiceRequest'
          ? PROFILE.workHealthReferral
          : r.resourceType === 'Task'
            ? PROFILE.referralTask
            : r.resourceType === 'Consent'
              ? PROFILE.referralConsent
              : undefined;
      if (profile) out.push({ label: `${label} ${r.resourceType}`, resource: r, profile });
    }
  }
  return out;
}

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every JSON location in `root`: [parent, key] pairs (key a property name or an array index). */
function locations(root: Json): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [];
  const walk = (v: Json, path: Array<string | number>) => {
    if (Array.isArray(v)) {
      v.forEach((item, i) => {
        out.push([...path, i]);
        walk(item, [...path, i]);
      });
    } else if (isObject(v)) {
      for (const [k, child] of Object.entries(v)) {
        if (path.length === 0 && k === 'resourceType') continue;
        out.push([...path, k]);
        walk(child, [...path, k]);
      }
    }
  };
  walk(root, []);
  return out;
}

function at(root: Json, path: Array<string | number>): Json {
  let v = root;
  for (const p of path) v = (v as Record<string | number, Json>)[p];
  return v;
}

function mutate(
  resource: Resource,
  path: Array<string | number>,
  change: (parent: Record<string | number, Json>, key: string | number) => void,
): Resource {
  const copy = structuredClone(resource);
  const parent = at(copy, path.slice(0, -1)) as Record<string | number, Json>;
  change(parent, path[path.length - 1] as string | number);
  return copy;
}

function wrongType(v: Json): Json {
  if (typeof v === 'string') return 42;
  if (typeof v === 'number') return 'forty-two';
  if (typeof v === 'boolean') return 'true';
  if (Array.isArray(v)) return v[0];
  return 'an object was expected';
}

/** The systematic mutation corpus of one resource. */
function mutations(resource: Resource): Mutation[] {
  const out: Mutation[] = [];
  for (const path of locations(resource)) {
    const where = path.join('.');
    const value = at(resource, path);
    const add = (label: string, change: Parameters<typeof mutate>[2]) =>
      out.push({ label: `${label} ${where}`, resource: mutate(resource, path, change) });
    add('remove', (parent, key) => {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
    });
    add('duplicate', (parent, key) => {
      if (Array.isArray(parent)) parent.splice(key as number, 0, structuredClone(parent[key]));
      else parent[key] = [parent[key], structuredClone(parent[key])];
    });
    add('wrong type', (parent, key) => {
      parent[key] = wrongType(parent[key]);
    });
    if (typeof value === 'string') {
      add('wrong code', (parent, key) => {
        parent[key] = 'not-a-real-code';
      });
      add('bad date', (parent, key) => {
        parent[key] = '2026-02-30T25:61:00';
      });
      add('blank', (parent, key) => {
        parent[key] = '   ';
      });
    }
    add('empty string', (parent, key) => {
      parent[key] = '';
    });
    add('null', (parent, key) => {
      parent[key] = null;
    });
    if (isObject(value)) {
      add('unknown child', (parent, key) => {
        (parent[key] as Record<string, Json>).unknownKey = 'x';
      });
      add('number for an object', (parent, key) => {
        parent[key] = 7;
      });
      add('empty object', (parent, key) => {
        parent[key] = {};
      });
    }
    if (!Array.isArray(at(resource, path.slice(0, -1)))) {
      add('unknown sibling', (parent) => {
        (parent as Record<string, Json>).unknownSibling = 'x';
      });
      add('primitive extension', (parent, key) => {
        (parent as Record<string, Json>)[`_${key}`] = { extension: [{ url: 'http://example.org/x' }] };
      });
    }
  }
  return out;
}

/** The hand-written broken cases of src/fhir/validate.test.ts and routes/referralBundle.test.ts, in brief. */
function handWritten(): Array<{ label: string; resource: Resource; profile: string }> {
  const ex = <T extends Resource>(id: string) =>
    structuredClone(listExamples().find((r) => r.id === id)) as unknown as T;
  const cases: Array<{ label: string; resource: Resource; profile: string }> = [];
  const note = (label: string, f: (n: Observation) => void, id = 'fitnote-peter') => {
    const n = ex<Observation>(id);
    f(n);
    cases.push({ label, resource: n, profile: PROFILE.fitNote });
  };
  note('Group subject', (n) => {
    n.subject = { reference: 'Group/1' };
  });
  note('urn:uuid subject', (n) => {
    n.subject = { reference: 'urn:uuid:0b6f3e2c-5d1a-4c8e-9f7b-2a3c4d5e6f70' };
  });
  note(
    'assess-again as text',
    (n) => {
      const c = n.component?.find((x) => x.code.coding?.[0]?.code === 'assess-again');
      if (c) {
        delete c.valueBoolean;
        c.valueString = 'yes';
      }
    },
    'fitnote-john',
  );
  note(
    'two assess-again',
    (n) => {
      const c = n.component?.find((x) => x.code.coding?.[0]?.code === 'assess-again');
      if (c) n.component?.push(structuredClone(c));
    },
    'fitnote-john',
  );
  note(
    'advice code not offered',
    (n) => {
      const c = n.component?.find((x) => x.code.coding?.[0]?.code === 'amended-duties');
      if (c?.code.coding?.[0]) c.code.coding[0].code = 'work-from-home';
    },
    'fitnote-john',
  );
  note('effectiveDateTime instead of a period', (n) => {
    delete n.effectivePeriod;
    n.effectiveDateTime = '2026-11-20';
  });
  const consent = ex<Consent>('consent-peter');
  const provision = consent.provision?.provision?.[1];
  const coding = provision?.code?.[0]?.coding?.[0];
  if (coding) coding.code = 'home-address';
  delete consent.provision?.provision?.[0]?.actor;
  cases.push({ label: 'consent provisions', resource: consent, profile: PROFILE.referralConsent });
  const referral = ex<ServiceRequest>('referral-peter');
  delete referral.identifier?.[0]?.value;
  if (referral.requester) referral.requester.reference = '#someone-else';
  cases.push({
    label: 'identifier slice, requester',
    resource: referral,
    profile: PROFILE.workHealthReferral,
  });
  const task = ex<Task>('task-referral-peter');
  task.status = 'draft';
  cases.push({ label: 'task status', resource: task, profile: PROFILE.referralTask });
  cases.push({
    label: 'wrong resource type',
    resource: ex<Observation>('fitnote-peter'),
    profile: PROFILE.workHealthReferral,
  });
  return cases;
}

/** The issues, or what was thrown (a throw is a bug in either, but both must still agree). */
function outcome(run: () => unknown[]): unknown[] {
  try {
    return run();
  } catch (error) {
    return [{ thrown: String(error) }];
  }
}

/** The profile's schema as Medplum parses it (validate.ts parses the same StructureDefinition once). */
const schemas = new Map<string, InternalTypeSchema>();
function schemaOf(url: string): InternalTypeSchema {
  let schema = schemas.get(url);
  if (!schema) {
    schema = parseStructureDefinition(getProfile(url) as StructureDefinition);
    schemas.set(url, schema);
  }
  return schema;
}

const bases = [
  ...Object.entries(EXAMPLE_PROFILES).map(([id, profile]) => ({
    label: id,
    resource: structuredClone(listExamples().find((r) => r.id === id)) as Resource,
    profile,
  })),
  ...builtReferrals(),
];

describe('fast profile validation agrees with the exact validator', () => {
  // The exact path first: it records, per profile, whether the parsed-once schema agrees with Medplum's own.
  beforeAll(() => {
    for (const { resource, profile } of bases) validateAgainstProfile(resource, profile);
  });

  it.each(bases.map((b) => [b.label, b] as const))(
    'recognises the valid %s on the fast path',
    (_label, { resource, profile }) => {
      expect(validateAgainstProfile(resource, profile)).toEqual([]);
      expect(validateAgainstProfileFast(resource, profile)).toEqual([]);
      // …without falling back to Medplum's validator: the point of the fast path.
      expect(structurallyValid(structuredClone(resource), schemaOf(profile))).toBe(true);
    },
  );

  it('walks base types too, and is not sure of an unknown element', () => {
    const task = bases.find((b) => b.resource.resourceType === 'Task')?.resource as Task;
    expect(structurallyValid(task, getDataType('Task'))).toBe(true);
    const broken = { ...task, statusText: 'an unknown element' } as unknown as Task;
    expect(structurallyValid(broken, getDataType('Task'))).toBe(false);
  });

  it('gives the same issues for every resource of the mutation corpus', () => {
    const corpus: Array<{ label: string; resource: Resource; profile: string }> = [...handWritten()];
    for (const base of bases) {
      for (const m of mutations(base.resource)) {
        corpus.push({ label: `${base.label}: ${m.label}`, resource: m.resource, profile: base.profile });
      }
    }
    const disagreements: string[] = [];
    let valid = 0;
    let recognised = 0;
    for (const { label, resource, profile } of corpus) {
      // Each gets its own copy: Medplum writes into its input when a complex element has a `_x` partner.
      const exact = outcome(() => validateAgainstProfile(structuredClone(resource), profile));
      const fast = outcome(() => validateAgainstProfileFast(structuredClone(resource), profile));
      if (exact.length === 0) {
        valid++;
        if (resource.resourceType === getProfile(profile)?.type) {
          if (structurallyValid(structuredClone(resource), schemaOf(profile))) recognised++;
          else if (process.env.ORACLE_DEBUG) console.log('not recognised', label);
        }
      }
      if (JSON.stringify(exact) !== JSON.stringify(fast)) {
        disagreements.push(`${label}: exact ${JSON.stringify(exact[0])}, fast ${JSON.stringify(fast[0])}`);
      }
    }
    console.log(
      `validator oracle: ${corpus.length} cases (${valid} valid, ${recognised} of them recognised without Medplum; ${corpus.length - valid} invalid), ${disagreements.length} disagreements`,
    );
    expect(disagreements).toEqual([]);
    expect(corpus.length).toBeGreaterThan(1000);
  });
});
