import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, Consent, ServiceRequest } from '@medplum/fhirtypes';
import { peterFitNotes, peterForm } from '../../tests/fixtures/referralForms.js';
import { CODE_SYSTEM, SHARE_CATEGORIES, type ShareCategory } from './codes.js';
import { consentedView, NAME_NOT_SHARED } from './consentedView.js';
import { type Provider, parseDirectory } from './directory.js';
import { buildReferral, GENERAL_WORDING, type ReferralFormInput } from './referral.js';

const directory = parseDirectory(
  JSON.parse(readFileSync(join(__dirname, '../../examples/directory.json'), 'utf8')),
);
if (!directory.ok) throw new Error(directory.problems.join('\n'));
const caseManaged = directory.directory.providers.find((p) => p.id === 'case-managed-support') as Provider;

function referral(form: Partial<ReferralFormInput> = {}): Bundle {
  return buildReferral({
    patient: { id: 'peter', nhsNumber: '9990000026', name: 'Peter Example' },
    practice: { odsCode: 'A99999', name: 'Example Street Surgery' },
    requester: { practitionerRef: 'Practitioner/gp-1', display: 'Dr A Example' },
    provider: caseManaged,
    episode: { start: '2026-10-24' },
    fitNoteRefs: ['Observation/fitnote-peter-1'],
    fitNotes: peterFitNotes,
    form: peterForm(form),
    authoredOn: '2026-11-20T10:20:00Z',
  });
}

/** Peter's referral, with every category listed as shared for the Consent to then narrow. */
function fullReferral(): Bundle {
  return referral({ shareWithProvider: [...SHARE_CATEGORIES] });
}

function consentOf(bundle: Bundle): Consent {
  return bundle.entry?.find((e) => e.resource?.resourceType === 'Consent')?.resource as Consent;
}
function requestOf(bundle: Bundle): ServiceRequest {
  return bundle.entry?.find((e) => e.resource?.resourceType === 'ServiceRequest')?.resource as ServiceRequest;
}

/** The same full Bundle, with the Consent's provider permit narrowed to `permitted`. */
function withPermitted(permitted: readonly ShareCategory[]): Bundle {
  const bundle = fullReferral();
  const provision = consentOf(bundle).provision?.provision?.[0];
  if (provision === undefined) throw new Error('no provider provision');
  provision.code = permitted.map((code) => ({ coding: [{ system: CODE_SYSTEM.shareCategory, code }] }));
  return bundle;
}

const json = (value: unknown) => JSON.stringify(value);

describe('consentedView', () => {
  it('shows everything Peter agreed to share, plus what the referral always carries', () => {
    const view = consentedView(referral(), 'case-managed-support');
    expect(view).toEqual({
      referralId: expect.any(String),
      authoredOn: '2026-11-20T10:20:00Z',
      patient: { displayName: 'Peter Example', name: 'Peter Example', nhsNumber: '9990000026' },
      services: [
        { code: 'case-management', text: 'Case management' },
        { code: 'workplace-mediation', text: 'Workplace mediation' },
      ],
      modality: { code: 'telephone', text: 'Telephone' },
      requester: { gp: 'Dr A Example', practice: { odsCode: 'A99999', name: 'Example Street Surgery' } },
      contactPreferences:
        'Contact the patient by phone on 07700 900123 (best times: weekday mornings). No interpreter is needed.',
      interpreter: { needed: false },
      shared: [
        { code: 'contact-details', text: 'Contact details' },
        { code: 'fit-note-dates', text: 'Fit note dates' },
        { code: 'diagnosis', text: 'Diagnosis' },
        { code: 'functional-advice', text: 'Advice on the fit notes about work the patient could do' },
        { code: 'employment-details', text: 'Job and employer details' },
      ],
      reason: {
        text: 'Mixed anxiety and depressive disorder',
        codings: [
          {
            system: 'http://snomed.info/sct',
            code: '231504006',
            display: 'Mixed anxiety and depressive disorder',
          },
        ],
      },
      fitNoteRefs: ['Observation/fitnote-peter-1'],
      fitNotes: [
        {
          start: '2026-10-24',
          end: '2026-11-20',
          issued: '2026-10-26',
          fitness: 'not-fit',
          fitnessText: 'Not fit for work',
          diagnoses: ['Anxiety and depression'],
        },
        {
          start: '2026-11-21',
          issued: '2026-11-20',
          fitness: 'may-be-fit',
          fitnessText: 'May be fit for work',
          advice: [
            { code: 'phased-return', text: 'Phased return to work', words: 'Half days for two weeks.' },
            { code: 'amended-duties', text: 'Amended duties' },
          ],
          diagnoses: ['Stress at work'],
        },
      ],
      employment: {
        status: 'Employed',
        occupation: 'Call-centre adviser',
        employerName: 'Example Contact Centre Ltd',
        employerSize: 250,
        employerHasOccupationalHealth: true,
      },
      employerLiaison: {
        requested: true,
        shareWithEmployer: [{ code: 'fit-note-dates', text: 'Fit note dates' }],
      },
      gpMessage: 'Please do not contact his employer without speaking to him first.',
      consentRecordedAt: '2026-11-20T10:18:00Z',
    });
  });

  // Each category withheld in the Consent, though the Bundle still holds the data: it must be absent.
  it.each<[ShareCategory, (keyof ReturnType<typeof consentedView>)[], string[]]>([
    ['contact-details', [], ['Peter Example', '9990000026', '07700 900123']],
    [
      'fit-note-dates',
      ['fitNoteRefs', 'fitNotes'],
      ['fitnote-peter-1', '2026-10-24', 'Not fit', 'Half days'],
    ],
    [
      'diagnosis',
      [],
      ['231504006', 'Mixed anxiety', 'Anxiety and depression', 'Stress at work', 'diagnoses'],
    ],
    ['functional-advice', [], ['Half days', 'phased-return', 'Amended duties', '"advice"']],
    ['employment-details', ['employment'], ['Call-centre adviser', 'Example Contact Centre', '250']],
  ])('leaves out %s when the Consent does not permit it', (withheld, absentKeys, absentText) => {
    const view = consentedView(
      withPermitted(SHARE_CATEGORIES.filter((c) => c !== withheld)),
      'case-managed-support',
    );
    for (const key of absentKeys) expect(view).not.toHaveProperty(key);
    for (const text of absentText) expect(json(view)).not.toContain(text);
    expect(view.shared.map((s) => s.code)).not.toContain(withheld);
  });

  it('names the patient only as "name not shared" without contact details, and keeps how to contact', () => {
    const view = consentedView(withPermitted(['diagnosis']), 'case-managed-support');
    expect(view.patient).toEqual({ displayName: NAME_NOT_SHARED });
    expect(view.contactPreferences).toBe(
      'Contact the patient by phone (best times: weekday mornings). No interpreter is needed.',
    );
  });

  it.each([
    [
      'email as the method, phone as well',
      'Contact the patient by email at p@example.org. Phone: 07700 900123. No interpreter is needed.',
    ],
    ['a text message', 'Contact the patient by text message to +44 7700 900123. No interpreter is needed.'],
    ['a stray number', 'Contact the patient by letter. Call 0113 496 0000 first. No interpreter is needed.'],
  ])(
    'takes numbers and addresses out of the contact preferences without contact details (%s)',
    (_, instruction) => {
      const bundle = withPermitted(['diagnosis']);
      requestOf(bundle).patientInstruction = instruction;
      const view = consentedView(bundle, 'case-managed-support');
      expect(view.contactPreferences).not.toMatch(/\d{4}|@/);
      expect(view.contactPreferences).toContain('Contact the patient by');
    },
  );

  it('uses the general wording when the diagnosis is not shared, whatever the reason says', () => {
    expect(consentedView(withPermitted(['contact-details']), 'case-managed-support').reason).toEqual({
      text: GENERAL_WORDING,
    });
  });

  it.each<[string, (bundle: Bundle) => void]>([
    [
      'no Consent',
      (b) => {
        b.entry = b.entry?.filter((e) => e.resource?.resourceType !== 'Consent');
      },
    ],
    [
      'a Consent that is not active',
      (b) => {
        consentOf(b).status = 'inactive';
      },
    ],
    [
      'a Consent whose top provision denies',
      (b) => {
        (consentOf(b).provision as { type: string }).type = 'deny';
      },
    ],
    [
      'a permit for another provider',
      (b) => {
        const actor = consentOf(b).provision?.provision?.[0]?.actor?.[0]?.reference?.identifier;
        if (actor) actor.value = 'another-provider';
      },
    ],
  ])('permits nothing beyond the always-present parts with %s', (_, change) => {
    const bundle = fullReferral();
    change(bundle);
    const view = consentedView(bundle, 'case-managed-support');
    expect(view.shared).toEqual([]);
    expect(view.patient.displayName).toBe(NAME_NOT_SHARED);
    for (const key of ['fitNoteRefs', 'fitNotes', 'employment'] as const)
      expect(view).not.toHaveProperty(key);
    expect(view.services.length).toBe(2);
  });

  it('lets a deny for the provider override a permit', () => {
    const bundle = fullReferral();
    const nested = consentOf(bundle).provision?.provision;
    const actor = nested?.[0]?.actor;
    nested?.push({
      type: 'deny',
      ...(actor ? { actor } : {}),
      code: [{ coding: [{ system: CODE_SYSTEM.shareCategory, code: 'employment-details' }] }],
    });
    expect(consentedView(bundle, 'case-managed-support')).not.toHaveProperty('employment');
  });

  it.each<[string, Partial<ReferralFormInput>, { needed: boolean; language?: string }]>([
    ['no interpreter', {}, { needed: false }],
    [
      'an interpreter',
      { interpreter: { needed: true, language: 'Polish' } },
      { needed: true, language: 'Polish' },
    ],
  ])('reads the interpreter need (%s)', (_, form, expected) => {
    expect(consentedView(referral(form), 'case-managed-support').interpreter).toEqual(expected);
  });

  it.each<[string, Partial<ReferralFormInput>, { requested: boolean; employer: string[] }]>([
    ['liaison with fit-note dates', {}, { requested: true, employer: ['fit-note-dates'] }],
    [
      'liaison with nothing for the employer',
      { employerLiaison: { requested: true, shareWithEmployer: [] } },
      { requested: true, employer: [] },
    ],
    [
      'no liaison',
      { employerLiaison: { requested: false, shareWithEmployer: [] } },
      { requested: false, employer: [] },
    ],
  ])('says whether employer liaison was requested (%s)', (_, form, expected) => {
    const view = consentedView(referral(form), 'case-managed-support');
    expect(view.employerLiaison.requested).toBe(expected.requested);
    expect(view.employerLiaison.shareWithEmployer.map((s) => s.code)).toEqual(expected.employer);
    expect(view.gpMessage).toBe('Please do not contact his employer without speaking to him first.');
  });

  it('copes with a Bundle holding nothing it knows', () => {
    expect(consentedView({ resourceType: 'Bundle', type: 'transaction' })).toEqual({
      patient: { displayName: NAME_NOT_SHARED },
      services: [],
      requester: { practice: {} },
      interpreter: { needed: false },
      shared: [],
      reason: { text: GENERAL_WORDING },
      employerLiaison: { requested: false, shareWithEmployer: [] },
    });
  });
});

describe('consentedView: the fit notes copied into the referral', () => {
  it('keeps the dates when advice and diagnosis are withheld, and drops nothing else of the note', () => {
    const view = consentedView(withPermitted(['fit-note-dates']), 'case-managed-support');
    expect(view.fitNotes).toEqual([
      {
        start: '2026-10-24',
        end: '2026-11-20',
        issued: '2026-10-26',
        fitness: 'not-fit',
        fitnessText: 'Not fit for work',
      },
      {
        start: '2026-11-21',
        issued: '2026-11-20',
        fitness: 'may-be-fit',
        fitnessText: 'May be fit for work',
      },
    ]);
  });

  it.each<[string, (sr: ServiceRequest) => void, number]>([
    [
      'a copy no supportingInfo points at',
      (sr) => {
        sr.supportingInfo = sr.supportingInfo?.filter((r) => r.reference !== '#fitnote-2');
      },
      1,
    ],
    [
      'a contained Observation that is not a fit note',
      (sr) => {
        const copy = sr.contained?.find((r) => r.id === 'fitnote-1') as { code?: unknown };
        copy.code = { coding: [{ system: 'http://loinc.org', code: '74165-2' }] };
      },
      1,
    ],
    [
      'a copy without a start date',
      (sr) => {
        const copy = sr.contained?.find((r) => r.id === 'fitnote-2') as { effectivePeriod?: unknown };
        copy.effectivePeriod = { end: '2026-12-01' };
      },
      1,
    ],
  ])('ignores %s', (_name, change, count) => {
    const bundle = fullReferral();
    change(requestOf(bundle));
    expect(consentedView(bundle, 'case-managed-support').fitNotes).toHaveLength(count);
  });

  it('has no fit notes when the referral was built without the dates shared', () => {
    const view = consentedView(
      referral({ shareWithProvider: ['contact-details', 'diagnosis', 'functional-advice'] }),
      'case-managed-support',
    );
    expect(view).not.toHaveProperty('fitNotes');
  });
});
