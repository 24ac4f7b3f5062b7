import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  Bundle,
  Consent,
  Observation,
  Reference,
  Resource,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import { peterFitNotes, peterForm } from '../../tests/fixtures/referralForms.js';
import { ID_SYSTEM, NHS_NUMBER_SYSTEM, PROFILE } from './codes.js';
import { type Provider, parseDirectory } from './directory.js';
import type { Episode } from './episodes.js';
import {
  buildReferral,
  describeConsent,
  GENERAL_WORDING,
  NO_CONSENT,
  parseReferralForm,
  type ReferralFormInput,
  type ReferralInput,
  ReferralInputError,
  referralIdentifier,
} from './referral.js';
import { stableUuid } from './stableId.js';

const directory = parseDirectory(
  JSON.parse(readFileSync(join(__dirname, '../../examples/directory.json'), 'utf8')),
);
if (!directory.ok) throw new Error(directory.problems.join('\n'));
const providers = Object.fromEntries(directory.directory.providers.map((p) => [p.id, p])) as Record<
  string,
  Provider
>;
const caseManaged = providers['case-managed-support'] as Provider;
const workCoach = providers['work-coach-service'] as Provider;

/** Peter has been off four weeks (the builder uses only the episode start). */
const peterEpisode: Pick<Episode, 'start'> = { start: '2026-10-24' };

function peterInput(overrides: Partial<ReferralInput> = {}): ReferralInput {
  return {
    patient: { id: 'peter', nhsNumber: '9990000026', name: 'Peter Example' },
    practice: { odsCode: 'A12345', name: 'Example Street Surgery' },
    requester: { practitionerRef: 'Practitioner/gp-example', display: 'Dr A Example' },
    provider: caseManaged,
    episode: peterEpisode,
    fitNoteRefs: ['Observation/fitnote-peter-1', 'Observation/fitnote-peter-2'],
    form: peterForm(),
    authoredOn: '2026-11-20T10:20:00Z',
    ...overrides,
  };
}

function resources(bundle: Bundle): Resource[] {
  return (bundle.entry ?? []).map((e) => e.resource as Resource);
}
function only<T extends Resource>(bundle: Bundle, type: T['resourceType']): T[] {
  return resources(bundle).filter((r) => r.resourceType === type) as T[];
}
function serviceRequest(bundle: Bundle): ServiceRequest {
  return only<ServiceRequest>(bundle, 'ServiceRequest')[0] as ServiceRequest;
}
function consent(bundle: Bundle): Consent {
  return only<Consent>(bundle, 'Consent')[0] as Consent;
}
function problemsOf(input: ReferralInput): string[] {
  try {
    buildReferral(input);
  } catch (error) {
    if (error instanceof ReferralInputError) return error.problems;
    throw error;
  }
  return [];
}

/** Every Reference anywhere in a value. */
function referencesIn(value: unknown, out: Reference[] = []): Reference[] {
  if (Array.isArray(value)) for (const v of value) referencesIn(v, out);
  else if (value && typeof value === 'object') {
    const ref = (value as Reference).reference;
    if (typeof ref === 'string') out.push(value as Reference);
    for (const v of Object.values(value)) referencesIn(v, out);
  }
  return out;
}

describe('buildReferral: identity and idempotence', () => {
  it('builds the same bundle from the same input', () => {
    expect(buildReferral(peterInput())).toEqual(buildReferral(peterInput()));
    expect(JSON.stringify(buildReferral(peterInput()))).toBe(JSON.stringify(buildReferral(peterInput())));
  });

  it('uses the documented business identifier on the ServiceRequest and the Task', () => {
    const bundle = buildReferral(peterInput());
    const expected = {
      system: ID_SYSTEM.referral,
      value: stableUuid(
        'A12345',
        '9990000026',
        'case-managed-support',
        '2026-10-24',
        'case-management',
        'workplace-mediation',
      ),
    };
    expect(serviceRequest(bundle).identifier).toEqual([expected]);
    expect(only<Task>(bundle, 'Task')[0]?.identifier).toEqual([expected]);
    expect(
      referralIdentifier({
        odsCode: 'A12345',
        patient: { id: 'peter', nhsNumber: '9990000026' },
        providerId: 'case-managed-support',
        episodeStart: '2026-10-24',
        serviceTypes: ['workplace-mediation', 'case-management'],
      }),
    ).toEqual(expected);
  });

  it.each<[string, Partial<ReferralInput>, boolean]>([
    [
      'a different provider',
      { provider: workCoach, form: peterForm({ serviceTypes: ['employment-support'] }) },
      false,
    ],
    ['a different episode', { episode: { ...peterEpisode, start: '2026-01-05' } }, false],
    ['no episode', { episode: undefined }, false],
    ['a different practice', { practice: { odsCode: 'B99999', name: 'Other Surgery' } }, false],
    ['a different patient', { patient: { id: 'other', nhsNumber: '9990000034' } }, false],
    [
      'the same services in another order',
      { form: peterForm({ serviceTypes: ['workplace-mediation', 'case-management'] }) },
      true,
    ],
    ['a different modality', { form: peterForm({ modality: 'video' }) }, true],
    ['a later resend', { authoredOn: '2026-11-22T09:00:00Z' }, true],
    ['a different clinician', { requester: { display: 'Dr B Example' } }, true],
  ])('with %s the identifier is the same: %s', (_name, overrides, same) => {
    const a = serviceRequest(buildReferral(peterInput())).identifier?.[0]?.value;
    const b = serviceRequest(buildReferral(peterInput(overrides))).identifier?.[0]?.value;
    expect(a === b).toBe(same);
  });

  it('falls back to the patient id when there is no NHS number', () => {
    const bundle = buildReferral(peterInput({ patient: { id: 'peter' } }));
    expect(serviceRequest(bundle).identifier?.[0]?.value).toBe(
      stableUuid(
        'A12345',
        'peter',
        'case-managed-support',
        '2026-10-24',
        'case-management',
        'workplace-mediation',
      ),
    );
    expect(serviceRequest(bundle).subject).toEqual({ reference: 'Patient/peter' });
  });

  it('gives every entry a stable urn:uuid fullUrl and a conditional create on its own identifier', () => {
    const bundle = buildReferral(peterInput());
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'transaction' });
    const entries = bundle.entry ?? [];
    expect(entries.map((e) => e.resource?.resourceType)).toEqual([
      'ServiceRequest',
      'Consent',
      'Observation',
      'Observation',
      'Task',
    ]);
    for (const entry of entries) {
      const resource = entry.resource as Resource & {
        identifier?: Array<{ system?: string; value?: string }>;
      };
      const id = resource.identifier?.[0];
      expect(entry.fullUrl).toMatch(
        /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(entry.request).toEqual({
        method: 'POST',
        url: resource.resourceType,
        ifNoneExist: `identifier=${id?.system}|${id?.value}`,
      });
    }
    // No two resources of one type share a conditional-create query (else the second would be skipped).
    const queries = entries.map((e) => `${e.request?.url}?${e.request?.ifNoneExist}`);
    expect(new Set(queries).size).toBe(queries.length);
    expect(new Set(entries.map((e) => e.fullUrl)).size).toBe(entries.length);
    // An identifier equal to a fullUrl would be rewritten by the server into a reference, and a resend
    // would then create the resource again.
    const fullUrls = new Set(entries.map((e) => e.fullUrl));
    for (const entry of entries) {
      const identifiers = (entry.resource as { identifier?: Array<{ value?: string }> }).identifier ?? [];
      for (const id of identifiers) expect(fullUrls.has(id.value)).toBe(false);
    }
  });

  it('resolves every internal reference within the bundle', () => {
    const bundle = buildReferral(peterInput());
    const fullUrls = new Set((bundle.entry ?? []).map((e) => e.fullUrl));
    const internal = referencesIn(bundle).filter((r) => r.reference?.startsWith('urn:'));
    expect(internal.length).toBeGreaterThanOrEqual(4);
    for (const ref of internal) expect(fullUrls).toContain(ref.reference);
    const sr = serviceRequest(bundle);
    const srUrl = bundle.entry?.find((e) => e.resource === sr)?.fullUrl;
    expect(only<Task>(bundle, 'Task')[0]?.focus).toEqual({ reference: srUrl });
    const consentUrl = bundle.entry?.find((e) => e.resource?.resourceType === 'Consent')?.fullUrl;
    expect(sr.supportingInfo?.[0]).toEqual({ reference: consentUrl });
    // The contained requester is referenced, so it is not an orphan.
    expect(sr.requester?.reference).toBe('#requester');
    expect(sr.contained?.map((c) => c.id)).toEqual(['requester']);
    // Everything else points at the record: the patient, the fit notes, the GP.
    const external = referencesIn(bundle)
      .map((r) => r.reference as string)
      .filter((r) => !r.startsWith('urn:') && !r.startsWith('#'));
    expect(new Set(external)).toEqual(
      new Set([
        'Patient/peter',
        'Observation/fitnote-peter-1',
        'Observation/fitnote-peter-2',
        'Practitioner/gp-example',
      ]),
    );
  });

  it('sets meta.profile on every resource', () => {
    const profiles = resources(buildReferral(peterInput())).map((r) => [r.resourceType, r.meta?.profile]);
    expect(profiles).toEqual([
      ['ServiceRequest', [PROFILE.workHealthReferral]],
      ['Consent', [PROFILE.referralConsent]],
      ['Observation', [PROFILE.employmentStatus]],
      ['Observation', [PROFILE.occupation]],
      ['Task', [PROFILE.referralTask]],
    ]);
  });
});

describe('buildReferral: the ServiceRequest', () => {
  const sr = serviceRequest(buildReferral(peterInput()));

  it('codes the first service, and puts the others and the modality in orderDetail', () => {
    expect(sr.code?.coding?.[0]?.code).toBe('case-management');
    expect(sr.orderDetail?.map((d) => d.coding?.[0]?.code)).toEqual(['workplace-mediation', 'telephone']);
    expect(sr.intent).toBe('order');
    expect(sr.status).toBe('active');
  });

  it('names the consultation it was made in when the launch gave one, and no consultation otherwise', () => {
    expect(sr.encounter).toBeUndefined();
    const inConsultation = serviceRequest(
      buildReferral(peterInput({ encounterRef: 'Encounter/consultation-1' })),
    );
    expect(inConsultation.encounter).toEqual({ reference: 'Encounter/consultation-1' });
  });

  it('identifies the patient by NHS number, the practice by ODS code and the provider by directory id', () => {
    expect(sr.subject).toEqual({
      reference: 'Patient/peter',
      identifier: { system: NHS_NUMBER_SYSTEM, value: '9990000026' },
      display: 'Peter Example',
    });
    expect(sr.contained?.[0]).toMatchObject({
      resourceType: 'PractitionerRole',
      practitioner: { reference: 'Practitioner/gp-example', display: 'Dr A Example' },
      organization: {
        identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'A12345' },
        display: 'Example Street Surgery',
      },
    });
    expect(sr.performer).toEqual([
      {
        type: 'HealthcareService',
        identifier: { system: ID_SYSTEM.provider, value: 'case-managed-support' },
        display: 'Pennine Work and Wellbeing Case Management',
      },
    ]);
  });

  it('gives the diagnosis as the reason when it is shared, and the fit notes as reasonReference', () => {
    expect(sr.reasonCode).toEqual([
      {
        coding: [
          {
            system: 'http://snomed.info/sct',
            code: '231504006',
            display: 'Mixed anxiety and depressive disorder',
          },
        ],
        text: 'Mixed anxiety and depressive disorder',
      },
    ]);
    expect(sr.reasonReference).toEqual([
      { reference: 'Observation/fitnote-peter-1' },
      { reference: 'Observation/fitnote-peter-2' },
    ]);
    expect(sr.authoredOn).toBe('2026-11-20T10:20:00Z');
  });

  it('uses the general wording, and no codes, when asked to', () => {
    const general = serviceRequest(
      buildReferral(
        peterInput({
          form: peterForm({
            reason: { text: 'Depression', useGeneralWording: true },
            shareWithProvider: ['contact-details'],
          }),
        }),
      ),
    );
    expect(general.reasonCode).toEqual([{ text: GENERAL_WORDING }]);
    expect(JSON.stringify(general)).not.toMatch(/Depression|231504006/);
  });

  it('notes the liaison request and the free text', () => {
    expect(sr.note?.map((n) => n.text)).toEqual([
      "Employer liaison requested: please act as a go-between with the patient's employer. The employer may receive: the dates of the patient's fit notes.",
      'Please do not contact his employer without speaking to him first.',
    ]);
  });

  it.each<[string, Partial<ReferralFormInput>, string]>([
    [
      'phone, shared',
      {},
      'Contact the patient by phone on 07700 900123 (best times: weekday mornings). No interpreter is needed.',
    ],
    [
      'phone, contact details not shared',
      { shareWithProvider: ['fit-note-dates', 'diagnosis'] },
      'Contact the patient by phone (best times: weekday mornings). No interpreter is needed.',
    ],
    [
      'email with a phone too, and an interpreter',
      {
        contact: { email: 'patient@example.org', phone: '07700 900123', preferredMethod: 'email' },
        interpreter: { needed: true, language: 'Polish' },
      },
      'Contact the patient by email at patient@example.org. Phone: 07700 900123. An interpreter is needed: Polish.',
    ],
    [
      'letter',
      { contact: { preferredMethod: 'letter' } },
      'Contact the patient by letter. No interpreter is needed.',
    ],
    [
      'text message',
      { contact: { phone: '07700 900123', preferredMethod: 'text' } },
      'Contact the patient by text message to 07700 900123. No interpreter is needed.',
    ],
  ])('patientInstruction for %s', (_name, overrides, expected) => {
    expect(serviceRequest(buildReferral(peterInput({ form: peterForm(overrides) }))).patientInstruction).toBe(
      expected,
    );
  });
});

describe('buildReferral: consent (Peter: sensitive details to the provider only)', () => {
  const codes = (p: { code?: Array<{ coding?: Array<{ code?: string }> }> } | undefined) =>
    (p?.code ?? []).map((c) => c.coding?.[0]?.code);

  it('permits the provider exactly what was chosen', () => {
    const c = consent(buildReferral(peterInput()));
    expect(c).toMatchObject({
      status: 'active',
      dateTime: '2026-11-20T10:18:00Z',
      policyRule: { coding: [{ code: 'OPTIN' }] },
      organization: [{ identifier: { value: 'A12345' } }],
      performer: [{ reference: 'Patient/peter' }],
      provision: { type: 'permit' },
    });
    const toProvider = c.provision?.provision?.[0];
    expect(toProvider?.type).toBe('permit');
    expect(toProvider?.actor?.[0]?.reference).toEqual({
      identifier: { system: ID_SYSTEM.provider, value: 'case-managed-support' },
      display: 'Pennine Work and Wellbeing Case Management',
    });
    expect(toProvider?.actor?.[0]?.role.coding?.[0]?.code).toBe('IRCP');
    expect(codes(toProvider)).toEqual([
      'contact-details',
      'fit-note-dates',
      'diagnosis',
      'functional-advice',
      'employment-details',
    ]);
  });

  it('gives the employer fit-note dates only, and denies the diagnosis and clinical notes', () => {
    const provisions = consent(buildReferral(peterInput())).provision?.provision ?? [];
    const employer = provisions.filter(
      (p) => p.actor?.[0]?.reference.display === 'Example Contact Centre Ltd',
    );
    expect(employer.map((p) => [p.type, codes(p)])).toEqual([
      ['permit', ['fit-note-dates']],
      ['deny', ['contact-details', 'diagnosis', 'functional-advice', 'employment-details', 'clinical-notes']],
    ]);
  });

  it.each<[string, ReferralFormInput['employerLiaison'], string[], string[]]>([
    [
      'nothing listed',
      { requested: true, shareWithEmployer: [] },
      [],
      [
        'contact-details',
        'fit-note-dates',
        'diagnosis',
        'functional-advice',
        'employment-details',
        'clinical-notes',
      ],
    ],
    [
      'diagnosis listed explicitly',
      { requested: true, shareWithEmployer: ['diagnosis', 'fit-note-dates'] },
      ['fit-note-dates', 'diagnosis'],
      ['contact-details', 'functional-advice', 'employment-details', 'clinical-notes'],
    ],
    [
      'clinical notes listed explicitly',
      { requested: true, shareWithEmployer: ['clinical-notes'] },
      ['clinical-notes'],
      ['contact-details', 'fit-note-dates', 'diagnosis', 'functional-advice', 'employment-details'],
    ],
  ])('employer with %s', (_name, employerLiaison, permitted, denied) => {
    const provisions =
      consent(buildReferral(peterInput({ form: peterForm({ employerLiaison }) }))).provision?.provision ?? [];
    const employer = provisions.slice(1);
    expect(employer.filter((p) => p.type === 'permit').flatMap(codes)).toEqual(permitted);
    expect(employer.filter((p) => p.type === 'deny').flatMap(codes)).toEqual(denied);
  });

  it('has no employer provision, and tells the employer nothing, when liaison is not requested', () => {
    const bundle = buildReferral(
      peterInput({ form: peterForm({ employerLiaison: { requested: false, shareWithEmployer: [] } }) }),
    );
    expect(consent(bundle).provision?.provision).toHaveLength(1);
    expect(serviceRequest(bundle).note?.map((n) => n.text)).toEqual([
      'Please do not contact his employer without speaking to him first.',
    ]);
  });

  it('names an employer without a recorded name generically', () => {
    const form = peterForm({ employment: { status: 'employed', recordedInRecord: false } });
    const provisions = consent(buildReferral(peterInput({ form }))).provision?.provision ?? [];
    expect(provisions[1]?.actor?.[0]?.reference).toEqual({
      type: 'Organization',
      display: "The patient's employer",
    });
  });
});

describe('buildReferral: employment observations', () => {
  it('adds EmploymentStatus and Occupation observations from the form when the record lacks them', () => {
    const [status, occupation] = only<Observation>(buildReferral(peterInput()), 'Observation');
    expect(status).toMatchObject({
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '74165-2' }] },
      subject: { reference: 'Patient/peter' },
      valueCodeableConcept: { coding: [{ code: 'employed' }] },
    });
    expect(
      status?.component?.map((c) => [
        c.code.coding?.[0]?.code,
        c.valueString ?? c.valueInteger ?? c.valueBoolean,
      ]),
    ).toEqual([
      ['employer-name', 'Example Contact Centre Ltd'],
      ['employer-size', 250],
      ['employer-occupational-health', true],
    ]);
    expect(occupation).toMatchObject({
      code: { coding: [{ code: '11341-5' }] },
      valueCodeableConcept: { text: 'Call-centre adviser' },
    });
  });

  it('references the record’s own observations instead when it already holds them', () => {
    const bundle = buildReferral(
      peterInput({
        form: peterForm({
          employment: { status: 'employed', occupation: 'Call-centre adviser', recordedInRecord: true },
        }),
        recordedEmployment: { employmentStatusRef: 'Observation/emp-1', occupationRef: 'Observation/occ-1' },
      }),
    );
    expect(only(bundle, 'Observation')).toHaveLength(0);
    expect(serviceRequest(bundle).supportingInfo?.slice(1)).toEqual([
      { reference: 'Observation/emp-1' },
      { reference: 'Observation/occ-1' },
    ]);
  });

  it('creates only what the record lacks', () => {
    const bundle = buildReferral(
      peterInput({
        form: peterForm({
          employment: { status: 'employed', occupation: 'Call-centre adviser', recordedInRecord: true },
        }),
        recordedEmployment: { employmentStatusRef: 'Observation/emp-1' },
      }),
    );
    expect(only<Observation>(bundle, 'Observation').map((o) => o.code.coding?.[0]?.code)).toEqual([
      '11341-5',
    ]);
    expect(serviceRequest(bundle).supportingInfo).toHaveLength(3);
  });

  it.each<[string, Partial<ReferralFormInput>, number]>([
    ['employment details not shared', { shareWithProvider: ['contact-details', 'diagnosis'] }, 0],
    ['status unknown, no occupation', { employment: { status: 'unknown', recordedInRecord: false } }, 0],
    [
      'status unknown, occupation given',
      { employment: { status: 'unknown', occupation: 'Chef', recordedInRecord: false } },
      1,
    ],
    ['status only', { employment: { status: 'self-employed', recordedInRecord: false } }, 1],
  ])('with %s, adds %i observation(s)', (_name, overrides, count) => {
    const bundle = buildReferral(peterInput({ form: peterForm(overrides) }));
    expect(only(bundle, 'Observation')).toHaveLength(count);
    expect(serviceRequest(bundle).supportingInfo).toHaveLength(1 + count);
  });
});

describe('buildReferral: rejected input', () => {
  it.each<[string, Partial<ReferralFormInput>]>([
    ['consent not given', { consent: { given: false as true, recordedAt: '2026-11-20T10:18:00Z' } }],
    ['no consent at all', { consent: undefined as unknown as ReferralFormInput['consent'] }],
  ])('refuses a form with %s, saying why', (_name, overrides) => {
    expect(problemsOf(peterInput({ form: peterForm(overrides) }))).toEqual([NO_CONSENT]);
    expect(() => buildReferral(peterInput({ form: peterForm(overrides) }))).toThrow(/consent is needed/);
  });

  it('explains consent in plain English', () => {
    expect(NO_CONSENT).toBe(
      "The patient's consent is needed before a referral can be sent: explain what will be shared, ask the patient, and record their consent on the form.",
    );
  });

  it.each<[string, Partial<ReferralInput>, string[]]>([
    [
      'a service the provider does not offer',
      { form: peterForm({ serviceTypes: ['case-management', 'physiotherapy'] }) },
      [
        'Pennine Work and Wellbeing Case Management does not offer physiotherapy: choose from case management, workplace mediation and psychological therapy, or choose another provider.',
      ],
    ],
    [
      'a modality the provider does not offer',
      { provider: workCoach, form: peterForm({ serviceTypes: ['employment-support'], modality: 'video' }) },
      ['Northfield Work Coach Service does not offer video appointments: choose telephone or face to face.'],
    ],
    [
      'a fit note that is not an Observation',
      { fitNoteRefs: ['DocumentReference/med3-1'] },
      [
        'The fit note reference "DocumentReference/med3-1" is not an Observation reference; only fit-note Observations can be given as the referral\'s reason.',
      ],
    ],
    [
      'a consultation that is not an Encounter',
      { encounterRef: 'Appointment/today' },
      ['The consultation reference "Appointment/today" is not an Encounter reference.'],
    ],
    [
      'an authoredOn without a time zone',
      { authoredOn: '2026-11-20T10:20:00' },
      ['The referral time "2026-11-20T10:20:00" is not a date and time with a time zone.'],
    ],
  ])('refuses %s', (_name, overrides, problems) => {
    expect(problemsOf(peterInput(overrides))).toEqual(problems);
  });
});

describe('parseReferralForm', () => {
  it('accepts Peter’s form', () => {
    expect(parseReferralForm(peterForm())).toMatchObject({ ok: true });
  });

  it.each<[string, Partial<ReferralFormInput>, string]>([
    ['no services', { serviceTypes: [] }, 'Choose at least one service for the patient.'],
    [
      'a repeated service',
      { serviceTypes: ['case-management', 'case-management'] },
      '"serviceTypes" lists the same service twice',
    ],
    [
      'an unknown service',
      { serviceTypes: ['massage' as 'physiotherapy'] },
      '"serviceTypes[0]" must be one of oh-assessment, employment-support, physiotherapy, psychological-therapy, case-management, workplace-mediation, debt-benefits-advice, not "massage"',
    ],
    [
      'nothing shared with the provider',
      { shareWithProvider: [], reason: { text: 'Depression', useGeneralWording: true } },
      'Choose what the provider may receive (at least the contact details).',
    ],
    [
      'the diagnosis as reason without sharing it',
      { shareWithProvider: ['contact-details'] },
      'The diagnosis is not in what the patient agreed to share with the provider: use the general wording, or add the diagnosis to what is shared.',
    ],
    [
      'an employer list without liaison',
      { employerLiaison: { requested: false, shareWithEmployer: ['diagnosis'] } },
      'Employer liaison is not requested, so nothing can be shared with the employer: clear the employer list, or request employer liaison.',
    ],
    [
      'an interpreter without a language',
      { interpreter: { needed: true } },
      'An interpreter is needed: say which language.',
    ],
    [
      'phone preferred without a number',
      { contact: { preferredMethod: 'phone' } },
      'The patient prefers phone calls: add a phone number.',
    ],
    [
      'text preferred without a number',
      { contact: { preferredMethod: 'text' } },
      'The patient prefers text messages: add a phone number.',
    ],
    [
      'email preferred without an address',
      { contact: { preferredMethod: 'email' } },
      'The patient prefers email: add an email address.',
    ],
    [
      'a bad email address',
      { contact: { preferredMethod: 'letter', email: 'nope' } },
      '"contact.email" must be an email address',
    ],
    [
      'an empty reason',
      { reason: { text: '  ', useGeneralWording: true } },
      '"reason.text" must not be empty',
    ],
    [
      'a consent time without a zone',
      { consent: { given: true, recordedAt: '2026-11-20 10:18' } },
      '"consent.recordedAt" must be a date and time with a time zone, such as 2026-11-21T10:15:00Z',
    ],
    [
      'an unknown field',
      { urgent: true } as Partial<ReferralFormInput>,
      'Unknown field "urgent" — remove it or check the spelling',
    ],
  ])('reports %s', (_name, overrides, message) => {
    expect(parseReferralForm(peterForm(overrides))).toEqual({ ok: false, problems: [message] });
  });
});

describe('describeConsent', () => {
  it.each<[string, Pick<ReferralFormInput, 'shareWithProvider' | 'employerLiaison'>, string]>([
    [
      'Peter',
      {
        shareWithProvider: ['diagnosis', 'contact-details'],
        employerLiaison: { requested: true, shareWithEmployer: ['fit-note-dates'] },
      },
      'The provider will receive: your contact details and your diagnosis. Your employer will receive: the dates of your fit notes.',
    ],
    [
      'no liaison',
      {
        shareWithProvider: ['contact-details'],
        employerLiaison: { requested: false, shareWithEmployer: [] },
      },
      'The provider will receive: your contact details. Your employer will receive: nothing.',
    ],
    [
      'liaison with nothing shared',
      {
        shareWithProvider: ['contact-details', 'fit-note-dates', 'functional-advice'],
        employerLiaison: { requested: true, shareWithEmployer: [] },
      },
      'The provider will receive: your contact details, the dates of your fit notes (with whether each says you are not fit or may be fit for work) and the advice on your fit notes about work you could do. Your employer will receive: nothing.',
    ],
    [
      'advice without the dates (the advice goes only on the fit-note copies)',
      {
        shareWithProvider: ['contact-details', 'diagnosis', 'functional-advice'],
        employerLiaison: { requested: false, shareWithEmployer: [] },
      },
      'The provider will receive: your contact details and your diagnosis. The advice on your fit notes goes only with their dates, so it will not be sent. Your employer will receive: nothing.',
    ],
    [
      'only advice ticked',
      {
        shareWithProvider: ['functional-advice'],
        employerLiaison: { requested: false, shareWithEmployer: [] },
      },
      'The provider will receive: nothing. The advice on your fit notes goes only with their dates, so it will not be sent. Your employer will receive: nothing.',
    ],
    [
      'a list left over after liaison was turned off',
      {
        shareWithProvider: ['contact-details'],
        employerLiaison: { requested: false, shareWithEmployer: ['diagnosis'] },
      },
      'The provider will receive: your contact details. Your employer will receive: nothing.',
    ],
  ])('%s', (_name, form, sentence) => {
    expect(describeConsent(form as Parameters<typeof describeConsent>[0])).toBe(sentence);
  });

  it('can name the provider', () => {
    expect(
      describeConsent(
        {
          shareWithProvider: ['employment-details', 'clinical-notes'],
          employerLiaison: { requested: false, shareWithEmployer: [] },
        },
        'Pennine Work and Wellbeing Case Management',
      ),
    ).toBe(
      'Pennine Work and Wellbeing Case Management will receive: your job and employer details and relevant notes from your GP record. Your employer will receive: nothing.',
    );
  });
});

describe('buildReferral: copies of the fit notes (what the provider can read)', () => {
  type Shared = ReferralFormInput['shareWithProvider'];
  const build = (shareWithProvider: Shared, extra: Partial<ReferralInput> = {}) =>
    serviceRequest(
      buildReferral(
        peterInput({
          fitNotes: peterFitNotes,
          form: peterForm({
            shareWithProvider,
            ...(shareWithProvider.includes('diagnosis')
              ? {}
              : { reason: { text: 'Depression', useGeneralWording: true } }),
          }),
          ...extra,
        }),
      ),
    );
  const copies = (sr: ServiceRequest) =>
    (sr.contained ?? []).filter((r): r is Observation => r.resourceType === 'Observation');
  const componentCodes = (o: Observation) => (o.component ?? []).map((c) => c.code.coding?.[0]?.code);

  it.each<[string, Shared, Array<Array<string | undefined>>]>([
    ['dates only', ['contact-details', 'fit-note-dates'], [[], []]],
    [
      'dates and diagnosis',
      ['contact-details', 'fit-note-dates', 'diagnosis'],
      [['439401001'], ['439401001']],
    ],
    [
      'dates and advice',
      ['contact-details', 'fit-note-dates', 'functional-advice'],
      [[], ['phased-return', 'amended-duties']],
    ],
    [
      'dates, diagnosis and advice',
      ['fit-note-dates', 'diagnosis', 'functional-advice'],
      [['439401001'], ['439401001', 'phased-return', 'amended-duties']],
    ],
  ])('%s: one copy per note, components only as shared', (_name, shared, expected) => {
    const sr = build(shared);
    expect(copies(sr).map((o) => o.id)).toEqual(['fitnote-1', 'fitnote-2']);
    expect(copies(sr).map(componentCodes)).toEqual(expected);
    expect(sr.supportingInfo?.map((r) => r.reference).filter((r) => r?.startsWith('#'))).toEqual([
      '#fitnote-1',
      '#fitnote-2',
    ]);
    // The record's own Observations stay the reason.
    expect(sr.reasonReference?.map((r) => r.reference)).toEqual([
      'Observation/fitnote-peter-1',
      'Observation/fitnote-peter-2',
    ]);
  });

  it.each<[string, Shared]>([
    ['nothing about fit notes', ['contact-details']],
    ['advice and diagnosis without the dates', ['contact-details', 'diagnosis', 'functional-advice']],
  ])('%s: no copies at all', (_name, shared) => {
    const sr = build(shared);
    expect(copies(sr)).toEqual([]);
    expect(sr.contained?.map((r) => r.id)).toEqual(['requester']);
    expect(sr.supportingInfo?.some((r) => r.reference?.startsWith('#'))).toBe(false);
  });

  it('holds exactly status, code, subject, issued, period, fitness and the shared components', () => {
    const [first, second] = copies(build(['fit-note-dates', 'diagnosis', 'functional-advice']));
    expect(first).toEqual({
      resourceType: 'Observation',
      id: 'fitnote-1',
      meta: { profile: [PROFILE.fitNote] },
      status: 'final',
      code: {
        coding: [
          { system: 'http://snomed.info/sct', code: '365524007', display: 'Fitness for work - finding' },
        ],
      },
      subject: {
        reference: 'Patient/peter',
        identifier: { system: NHS_NUMBER_SYSTEM, value: '9990000026' },
        display: 'Peter Example',
      },
      effectivePeriod: { start: '2026-10-24', end: '2026-11-20' },
      issued: '2026-10-26T12:00:00Z',
      valueCodeableConcept: {
        coding: [{ system: 'http://snomed.info/sct', code: '160910001', display: 'Unfit for work' }],
      },
      component: [
        {
          code: { coding: [{ system: 'http://snomed.info/sct', code: '439401001', display: 'Diagnosis' }] },
          valueCodeableConcept: {
            coding: [
              {
                system: 'http://snomed.info/sct',
                code: '231504006',
                display: 'Mixed anxiety and depressive disorder',
              },
              { system: 'http://hl7.org/fhir/sid/icd-10', code: 'F41.2' },
            ],
            text: 'Anxiety and depression',
          },
        },
      ],
    });
    // No performer, no assess-again, no identifier: nothing the patient was not told about.
    expect(Object.keys(second ?? {}).sort()).toEqual([
      'code',
      'component',
      'effectivePeriod',
      'id',
      'issued',
      'meta',
      'resourceType',
      'status',
      'subject',
      'valueCodeableConcept',
    ]);
    expect(second?.effectivePeriod).toEqual({ start: '2026-11-21' });
    expect(second?.valueCodeableConcept?.coding?.[0]?.code).toBe('225891002');
    expect(second?.component?.slice(1)).toEqual([
      {
        code: {
          coding: [
            {
              system: 'https://fitnote-prompt.example/fhir/CodeSystem/fit-note-advice',
              code: 'phased-return',
              display: 'Phased return to work',
            },
          ],
        },
        valueString: 'Half days for two weeks.',
      },
      {
        code: {
          coding: [
            {
              system: 'https://fitnote-prompt.example/fhir/CodeSystem/fit-note-advice',
              code: 'amended-duties',
              display: 'Amended duties',
            },
          ],
        },
      },
    ]);
  });

  it('numbers the copies oldest first whatever order the notes come in, so a resend is identical', () => {
    const reversed = build(['fit-note-dates'], { fitNotes: [...peterFitNotes].reverse() });
    expect(copies(reversed).map((o) => o.effectivePeriod?.start)).toEqual(['2026-10-24', '2026-11-21']);
    expect(reversed).toEqual(build(['fit-note-dates']));
  });

  it('copies nothing when the episode has no notes (or none are passed)', () => {
    const sr = build(['fit-note-dates'], { fitNotes: undefined });
    expect(sr.contained?.map((r) => r.id)).toEqual(['requester']);
  });
});
