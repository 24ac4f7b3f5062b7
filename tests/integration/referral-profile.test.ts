/**
 * Every resource the referral builder makes conforms to its profile in fhir-profiles/ (the
 * generated StructureDefinitions with snapshots), for a spread of referrals: each provider in the
 * example directory, each delivery-relevant option on the form, and Peter's case in full.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { PROFILE } from '../../src/domain/codes.js';
import { type Provider, parseDirectory } from '../../src/domain/directory.js';
import { buildReferral, type ReferralFormInput, type ReferralInput } from '../../src/domain/referral.js';
import { validateAgainstProfile } from '../../src/fhir/validate.js';
import { peterFitNotes, peterForm } from '../fixtures/referralForms.js';

const directory = parseDirectory(
  JSON.parse(readFileSync(join(__dirname, '../../examples/directory.json'), 'utf8')),
);
if (!directory.ok) throw new Error(directory.problems.join('\n'));
const providers = directory.directory.providers;
const byId = (id: string) => providers.find((p) => p.id === id) as Provider;

function form(provider: Provider, overrides: Partial<ReferralFormInput> = {}): ReferralFormInput {
  return peterForm({
    serviceTypes: [...provider.services],
    modality: provider.modalities[0] as ReferralFormInput['modality'],
    ...overrides,
  });
}

function input(provider: Provider, overrides: Partial<ReferralInput> = {}): ReferralInput {
  return {
    patient: { id: 'peter', nhsNumber: '9990000026', name: 'Peter Example' },
    practice: { odsCode: 'A12345', name: 'Example Street Surgery' },
    requester: { practitionerRef: 'Practitioner/gp-example', display: 'Dr A Example' },
    provider,
    episode: { start: '2026-10-24' },
    fitNoteRefs: ['Observation/fitnote-peter'],
    form: form(provider),
    authoredOn: '2026-11-20T10:20:00Z',
    ...overrides,
  };
}

const caseManaged = byId('case-managed-support');

const cases: Array<[string, ReferralInput]> = [
  ...providers.map((p): [string, ReferralInput] => [`every service of ${p.id}`, input(p)]),
  [
    "Peter's referral, employer told nothing",
    input(caseManaged, {
      form: form(caseManaged, { employerLiaison: { requested: true, shareWithEmployer: [] } }),
    }),
  ],
  [
    'general wording, no liaison, letter, interpreter',
    input(caseManaged, {
      form: form(caseManaged, {
        serviceTypes: ['case-management'],
        modality: 'video',
        reason: { text: 'Depression', useGeneralWording: true },
        shareWithProvider: ['contact-details'],
        employerLiaison: { requested: false, shareWithEmployer: [] },
        contact: { preferredMethod: 'letter' },
        interpreter: { needed: true, language: 'Polish' },
        freeText: undefined,
      }),
    }),
  ],
  [
    'no NHS number, no episode, no fit notes, no practitioner, employment already in the record',
    input(caseManaged, {
      patient: { id: 'no-nhs-number' },
      episode: undefined,
      fitNoteRefs: [],
      requester: { display: 'Dr B Example' },
      recordedEmployment: { employmentStatusRef: 'Observation/emp-1', occupationRef: 'Observation/occ-1' },
      form: form(caseManaged, {
        employment: { status: 'employed', occupation: 'Call-centre adviser', recordedInRecord: true },
      }),
    }),
  ],
  [
    'self-employed, status only, everything shared with the employer',
    input(caseManaged, {
      form: form(caseManaged, {
        employment: { status: 'self-employed', recordedInRecord: false },
        employerLiaison: {
          requested: true,
          shareWithEmployer: [
            'contact-details',
            'fit-note-dates',
            'diagnosis',
            'functional-advice',
            'employment-details',
            'clinical-notes',
          ],
        },
      }),
    }),
  ],
  [
    "Peter's two fit notes copied in, with diagnosis and advice",
    input(caseManaged, { fitNotes: peterFitNotes }),
  ],
  [
    'made in a consultation the launch named',
    input(caseManaged, { encounterRef: 'Encounter/consultation-peter' }),
  ],
  [
    'fit notes copied in with dates only (no diagnosis, no advice)',
    input(caseManaged, {
      fitNotes: peterFitNotes,
      form: form(caseManaged, {
        reason: { text: 'Depression', useGeneralWording: true },
        shareWithProvider: ['contact-details', 'fit-note-dates'],
      }),
    }),
  ],
];

function issuesOf(bundle: Bundle): Array<{ resource: string; path: string; message: string }> {
  const out: Array<{ resource: string; path: string; message: string }> = [];
  for (const entry of bundle.entry ?? []) {
    const resource = entry.resource as Resource;
    const profile = resource.meta?.profile?.[0];
    if (profile === undefined) {
      out.push({ resource: resource.resourceType, path: 'meta.profile', message: 'no profile set' });
      continue;
    }
    for (const issue of validateAgainstProfile(resource, profile))
      out.push({ resource: `${resource.resourceType} (${profile.split('/').pop()})`, ...issue });
    // Contained copies (the fit notes) are checked against their own profiles too.
    for (const inner of (resource as Resource & { contained?: Resource[] }).contained ?? []) {
      const innerProfile = inner.meta?.profile?.[0];
      if (innerProfile === undefined) continue;
      for (const issue of validateAgainstProfile(inner, innerProfile))
        out.push({ resource: `contained ${inner.resourceType} #${inner.id}`, ...issue });
    }
  }
  return out;
}

describe('referral bundles conform to the profiles', () => {
  it.each(cases)('%s', (_name, referral) => {
    const bundle = buildReferral(referral);
    expect(issuesOf(bundle)).toEqual([]);
  });

  it('uses every referral profile across the cases', () => {
    const used = new Set(
      cases.flatMap(([, referral]) =>
        (buildReferral(referral).entry ?? []).flatMap((e) => e.resource?.meta?.profile ?? []),
      ),
    );
    expect(used).toEqual(
      new Set([
        PROFILE.workHealthReferral,
        PROFILE.referralConsent,
        PROFILE.referralTask,
        PROFILE.employmentStatus,
        PROFILE.occupation,
      ]),
    );
  });

  it('contains the fit-note copies the profile allows', () => {
    const bundle = buildReferral(input(caseManaged, { fitNotes: peterFitNotes }));
    const sr = bundle.entry?.[0]?.resource as Resource & { contained?: Resource[] };
    const copies = (sr.contained ?? []).filter((r) => r.meta?.profile?.includes(PROFILE.fitNote));
    expect(copies.map((r) => r.id)).toEqual(['fitnote-1', 'fitnote-2']);
  });

  it('would catch a broken fit-note copy (the check can fail)', () => {
    const bundle = buildReferral(input(caseManaged, { fitNotes: peterFitNotes }));
    const sr = bundle.entry?.[0]?.resource as Resource & { contained?: Resource[] };
    const copy = sr.contained?.find((r) => r.id === 'fitnote-1') as Resource & Record<string, unknown>;
    const broken = {
      ...copy,
      effectivePeriod: undefined,
      valueCodeableConcept: { text: 'fine' },
    } as Resource;
    expect(validateAgainstProfile(broken, PROFILE.fitNote).length).toBeGreaterThan(0);
  });

  it('would catch a broken resource (the check can fail)', () => {
    const bundle = buildReferral(input(caseManaged));
    const sr = bundle.entry?.[0]?.resource as Resource & { intent?: string; code?: unknown };
    const broken = { ...sr, intent: 'plan', code: undefined } as Resource;
    expect(validateAgainstProfile(broken, PROFILE.workHealthReferral).length).toBeGreaterThan(0);
  });
});
