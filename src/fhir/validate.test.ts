import type { Observation, Resource } from '@medplum/fhirtypes';
import { PROFILE } from '../domain/codes.js';
import { listExamples } from './profiles.js';
import {
  assertValid,
  ProfileValidationError,
  validateAgainstProfile,
  validateAgainstProfileFast,
} from './validate.js';

function example<T extends Resource>(id: string): T {
  const found = listExamples().find((r) => r.id === id);
  if (!found) throw new Error(`no example ${id}`);
  return structuredClone(found) as T;
}

const peter = (): Observation => example<Observation>('fitnote-peter');
const john = (): Observation => example<Observation>('fitnote-john');

describe('validateAgainstProfile', () => {
  it.each([
    ['fitnote-peter', PROFILE.fitNote],
    ['fitnote-john', PROFILE.fitNote],
    ['employment-status-peter', PROFILE.employmentStatus],
    ['occupation-peter', PROFILE.occupation],
    ['referral-peter', PROFILE.workHealthReferral],
    ['consent-peter', PROFILE.referralConsent],
    ['task-referral-peter', PROFILE.referralTask],
  ])('accepts the example %s', (id, profile) => {
    expect(validateAgainstProfile(example(id), profile)).toEqual([]);
  });

  it.each<[string, (note: Observation) => void, string, RegExp]>([
    [
      'no effectivePeriod.start',
      (n) => {
        delete n.effectivePeriod?.start;
      },
      'Observation.effective[x].start',
      /required .*missing/i,
    ],
    [
      'a status outside final | amended | corrected',
      (n) => {
        n.status = 'preliminary';
      },
      'Observation.status',
      /"preliminary" is not allowed here: .* requires a code from the Fit note status value set: final, amended, corrected\./,
    ],
    [
      'an unknown element',
      (n) => {
        (n as unknown as Record<string, unknown>).sicknessReason = 'flu';
      },
      'Observation.sicknessReason',
      /"sicknessReason" is not an element of Observation/,
    ],
    [
      'no issued',
      (n) => {
        delete n.issued;
      },
      'Observation.issued',
      /required .*missing/i,
    ],
    [
      'a code without 365524007',
      (n) => {
        n.code = { coding: [{ system: 'http://snomed.info/sct', code: '1331000000103' }] };
      },
      'Observation.code',
      /must include http:\/\/snomed\.info\/sct\|365524007/,
    ],
    [
      'a value that is neither not fit nor may be fit',
      (n) => {
        n.valueCodeableConcept = { coding: [{ system: 'http://snomed.info/sct', code: '73595000' }] };
      },
      'Observation.valueCodeableConcept',
      /"73595000" is not allowed here: .*Fit note outcome value set/,
    ],
    [
      'an effectiveDateTime instead of a period',
      (n) => {
        delete n.effectivePeriod;
        n.effectiveDateTime = '2026-10-24';
      },
      'Observation.effective[x].start',
      /missing/,
    ],
    [
      'an issued without a time zone',
      (n) => {
        n.issued = '2026-10-26T09:40:00';
      },
      'Observation.issued',
      /not a valid FHIR instant; use a full date and time with a time zone/,
    ],
    [
      'a subject that is not a Patient',
      (n) => {
        n.subject = { reference: 'Group/ward-7' };
      },
      'Observation.subject',
      /Refers to a Group; the .* profile allows only Patient/,
    ],
  ])('rejects a FitNote with %s, naming the path', (_label, breakIt, path, message) => {
    const note = peter();
    breakIt(note);
    const issues = validateAgainstProfile(note, PROFILE.fitNote);
    expect(issues).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it.each<[string, (note: Observation) => void, string, RegExp]>([
    [
      'an assess-again answer that is text, not true/false',
      (n) => {
        const c = n.component?.find((x) => x.code.coding?.[0]?.code === 'assess-again');
        if (c) {
          delete c.valueBoolean;
          c.valueString = 'yes';
        }
      },
      'Observation.component[1].valueString',
      /allows only valueBoolean here, not valueString/,
    ],
    [
      'an assess-again component without an answer',
      (n) => {
        const c = n.component?.find((x) => x.code.coding?.[0]?.code === 'assess-again');
        if (c) delete c.valueBoolean;
      },
      'Observation.component[1].value[x]',
      /Required by the .* profile, but missing/,
    ],
    [
      'two assess-again components',
      (n) => {
        const c = n.component?.find((x) => x.code.coding?.[0]?.code === 'assess-again');
        if (c) n.component?.push(structuredClone(c));
      },
      'Observation.component',
      /Has 2 "assessAgain" entries; the .* profile allows at most 1/,
    ],
    [
      'advice with a code the fit note does not offer',
      (n) => {
        const c = n.component?.find((x) => x.code.coding?.[0]?.code === 'amended-duties');
        if (c?.code.coding?.[0]) c.code.coding[0].code = 'work-from-home';
      },
      'Observation.component[2].code',
      /"work-from-home" is not allowed here: .*Fit note functional-advice options value set/,
    ],
    [
      'a diagnosis without the condition',
      (n) => {
        const c = n.component?.find((x) => x.code.coding?.[0]?.code === '439401001');
        if (c) delete c.valueCodeableConcept;
      },
      'Observation.component[0].value[x]',
      /missing/,
    ],
  ])('checks inside the component slices: %s', (_label, breakIt, path, message) => {
    const note = john();
    breakIt(note);
    expect(validateAgainstProfile(note, PROFILE.fitNote)).toContainEqual({
      path,
      message: expect.stringMatching(message),
    });
  });

  it('checks the nested consent provisions that Medplum does not reach', () => {
    const consent = example<Resource & { provision: { provision: Array<Record<string, unknown>> } }>(
      'consent-peter',
    );
    const provider = consent.provision.provision[0];
    if (provider) delete provider.actor;
    const employer = consent.provision.provision[1] as { code: Array<{ coding: Array<{ code: string }> }> };
    const first = employer.code[0]?.coding[0];
    if (first) first.code = 'home-address';
    const issues = validateAgainstProfile(consent, PROFILE.referralConsent);
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'Consent.provision.provision[0].actor', message: expect.stringMatching(/missing/) },
        {
          path: 'Consent.provision.provision[1].code[0]',
          message: expect.stringMatching(/"home-address" is not allowed here: .*Referral share category/),
        },
      ]),
    );
  });

  it('checks the referral identifier slice and contained requester', () => {
    const referral = example<
      Resource & { identifier: Array<{ value?: string }>; requester: { reference: string } }
    >('referral-peter');
    delete referral.identifier[0]?.value;
    referral.requester.reference = '#someone-else';
    const issues = validateAgainstProfile(referral, PROFILE.workHealthReferral);
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'ServiceRequest.identifier[0].value', message: expect.stringMatching(/missing/) },
        {
          path: 'ServiceRequest.requester',
          message: expect.stringMatching(/no contained resource has the id/),
        },
      ]),
    );
  });

  describe('a number, text or true/false where an object belongs (Medplum lets these through)', () => {
    const referral = () => example<Resource & Record<string, unknown>>('referral-peter');
    const set = (r: Record<string, unknown>, path: string, value: unknown) => {
      const [key = '', index] = path.replace(']', '').split('[');
      if (index === undefined) r[key] = value;
      else (r[key] as unknown[])[Number(index)] = value;
    };
    const rows: Array<[string, unknown, string, string]> = [];
    for (const [path, type, repeats] of [
      ['subject', 'a Reference', false],
      ['code', 'a CodeableConcept', false],
      ['meta', 'a Meta', false],
      ['requester', 'a Reference', false],
      ['identifier', 'an Identifier', true],
      ['identifier[0]', 'an Identifier', false],
      ['contained[0]', 'a FHIR resource with a resourceType', false],
      ['note', 'an Annotation', true],
      ['note[0]', 'an Annotation', false],
    ] as const) {
      for (const [value, words] of [
        [7, 'the number 7'],
        ['seven', 'the text "seven"'],
        [true, 'the value true'],
      ] as const) {
        const message = repeats
          ? `Must be a list (a JSON array) of objects, each ${type}, not ${words}.`
          : `Must be an object (${type}), not ${words}.`;
        rows.push([path, value, `ServiceRequest.${path}`, message]);
      }
    }

    it.each(rows)('ServiceRequest.%s = %j', (path, value, where, message) => {
      const r = referral();
      set(r, path, value);
      const issues = validateAgainstProfile(r, PROFILE.workHealthReferral);
      expect(issues).toContainEqual({ path: where, message });
      // Nothing about the characters of the text or the missing parts of the number below it.
      expect(issues.filter((i) => i.path.startsWith(`${where}.`))).toEqual([]);
      expect(validateAgainstProfileFast(r, PROFILE.workHealthReferral)).toEqual(issues);
    });

    it.each(['subject', 'code', 'meta', 'requester', 'identifier[0]', 'contained[0]', 'note[0]'])(
      'ServiceRequest.%s = null is an issue too (Medplum: null), and does not throw',
      (path) => {
        const r = referral();
        set(r, path, null);
        expect(validateAgainstProfile(r, PROFILE.workHealthReferral)).toContainEqual({
          path: `ServiceRequest.${path}`,
          message: 'Is null; leave the element out instead.',
        });
      },
    );

    it.each([7, 'seven', true, {}])('contained = %j gives issues, not a TypeError', (value) => {
      const r = referral();
      r.contained = value;
      expect(validateAgainstProfile(r, PROFILE.workHealthReferral)).toContainEqual({
        path: 'ServiceRequest.requester',
        message: expect.stringMatching(/no contained resource has the id "requester"/),
      });
    });

    it('looks at every depth, including choice elements and backbone elements', () => {
      const r = referral();
      (r.subject as Record<string, unknown>).identifier = 7;
      (r.code as { coding: unknown[] }).coding[0] = 'case-management';
      const note = peter() as Observation & Record<string, unknown>;
      note.effectivePeriod = 20261024 as never;
      const consent = example<Resource & { provision: { provision: unknown[] } }>('consent-peter');
      consent.provision.provision[0] = false;
      expect(validateAgainstProfile(r, PROFILE.workHealthReferral)).toEqual(
        expect.arrayContaining([
          {
            path: 'ServiceRequest.subject.identifier',
            message: 'Must be an object (an Identifier), not the number 7.',
          },
          {
            path: 'ServiceRequest.code.coding[0]',
            message: 'Must be an object (a Coding), not the text "case-management".',
          },
        ]),
      );
      const noteIssues = validateAgainstProfile(note, PROFILE.fitNote);
      expect(noteIssues).toContainEqual({
        path: 'Observation.effectivePeriod',
        message: 'Must be an object (a Period), not the number 20261024.',
      });
      expect(noteIssues.filter((i) => /^Observation\.effective(Period|\[x\])\./.test(i.path))).toEqual([]);
      expect(validateAgainstProfile(consent, PROFILE.referralConsent)).toContainEqual({
        path: 'Consent.provision.provision[0]',
        message: 'Must be an object (a group of elements), not the value false.',
      });
    });
  });

  it('accepts urn:uuid references, as inside a transaction Bundle', () => {
    const note = peter();
    note.subject = { reference: 'urn:uuid:0b6f3e2c-5d1a-4c8e-9f7b-2a3c4d5e6f70' };
    expect(validateAgainstProfile(note, PROFILE.fitNote)).toEqual([]);
  });

  it('says when the resource type does not fit the profile', () => {
    expect(validateAgainstProfile(example('consent-peter'), PROFILE.fitNote)).toEqual([
      { path: 'Consent', message: expect.stringMatching(/profile is for Observation resources/) },
    ]);
  });

  it('throws a plain-English error for an unknown profile', () => {
    expect(() =>
      validateAgainstProfile(peter(), 'https://fitnote-prompt.example/fhir/StructureDefinition/Nope'),
    ).toThrow(/There is no profile .*Nope.*npm run profiles/);
  });
});

describe('assertValid', () => {
  it('returns quietly for a valid resource', () => {
    expect(() => assertValid(peter(), PROFILE.fitNote)).not.toThrow();
  });

  it('throws with one line per issue', () => {
    const note = peter();
    note.status = 'preliminary';
    delete note.issued;
    let thrown: unknown;
    try {
      assertValid(note, PROFILE.fitNote);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProfileValidationError);
    const error = thrown as ProfileValidationError;
    expect(error.issues).toHaveLength(2);
    const lines = error.message.split('\n');
    expect(lines[0]).toMatch(
      /^Observation\/fitnote-peter does not conform to the .* profile .*fix these 2 problems:$/,
    );
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^Observation\.issued: Required/),
      expect.stringMatching(/^Observation\.status: "preliminary" is not allowed/),
    ]);
  });
});
