/** @jest-environment jsdom */
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import type { Provider } from '../../domain/directory.js';
import { currentEpisode, episodesOf } from '../../domain/episodes.js';
import type { PatientFacts } from '../../domain/patient.js';
import type { ReferralForm as DomainReferralForm } from '../../domain/referral.js';
import { FhirRequestError } from '../smart/failures.js';
import { ReferralForm, type SendResult } from './ReferralForm.js';
import { deferred, sampleContext, TODAY } from './testSupport.js';
import type { Delivery } from './types.js';

const NOW = new Date('2026-11-21T10:30:00.000Z');

function setup(
  key = 'peter',
  onSend: (form: DomainReferralForm, provider: Provider) => Promise<SendResult> = async () => ({
    status: 'requested',
    identifier: 'abc-123',
  }),
  patch: Partial<PatientFacts> = {},
) {
  const context = sampleContext(key);
  const patient = { ...context.record.patient, ...patch };
  const episode = currentEpisode(episodesOf(context.record.notes, { today: TODAY }));
  const send = jest.fn(onSend);
  const onClose = jest.fn();
  render(
    <ReferralForm
      patient={patient}
      episode={episode}
      providers={context.config.directory.providers}
      today={TODAY}
      onSend={send}
      onClose={onClose}
      now={() => NOW}
    />,
  );
  return { send, onClose, context };
}

const checkbox = (name: string | RegExp) => screen.getByRole('checkbox', { name }) as HTMLInputElement;
const radio = (name: string | RegExp) => screen.getByRole('radio', { name }) as HTMLInputElement;

function fillAndConsent() {
  fireEvent.change(screen.getByLabelText('Phone'), { target: { value: '07700 900123' } });
  fireEvent.click(checkbox('The patient agrees to this referral and to this sharing'));
}

afterEach(cleanup);

describe('ReferralForm prefill for Peter', () => {
  it('lists providers that declined Peter last, says when and why, and does not choose it for the GP', () => {
    const context = sampleContext('peter');
    const episode = currentEpisode(episodesOf(context.record.notes, { today: TODAY }));
    render(
      <ReferralForm
        patient={context.record.patient}
        episode={episode}
        providers={context.config.directory.providers}
        today={TODAY}
        declined={[
          {
            providerId: 'case-managed-support',
            at: '2026-11-20T15:00:00Z',
            reason: 'The patient lives or works outside the service’s area: We cover Calderdale only.',
          },
          { providerId: 'debt-benefits-advice' },
        ]}
        onSend={async () => ({ status: 'requested', identifier: 'abc-123' })}
        onClose={() => {}}
        now={() => NOW}
      />,
    );
    const radios = screen
      .getAllByRole('radio')
      .filter((r) => (r as HTMLInputElement).name === 'provider') as HTMLInputElement[];
    // Ranked Greenhill, Northfield, Pennine without declines; the two that declined go after Northfield.
    expect(radios.map((r) => r.labels?.[0]?.textContent)).toEqual([
      'Northfield Work Coach Service',
      'Greenhill Money and Benefits Advice',
      'Pennine Work and Wellbeing Case Management',
    ]);
    expect(radio('Northfield Work Coach Service').checked).toBe(true);
    const pennine = radio('Pennine Work and Wellbeing Case Management');
    expect(pennine.checked).toBe(false);
    const hint = document.getElementById(pennine.getAttribute('aria-describedby') as string);
    expect(hint?.textContent).toMatch(
      /Declined this patient on 20 Nov(ember)? 2026: The patient lives or works outside the service’s area: We cover Calderdale only\./,
    );
    expect(
      document.getElementById(
        radio('Northfield Work Coach Service').getAttribute('aria-describedby') as string,
      )?.textContent,
    ).not.toMatch(/Declined/);
  });

  it('ranks the eligible providers first, preselects one for the condition, and shows only its services', () => {
    setup();
    const radios = screen
      .getAllByRole('radio')
      .filter((r) => (r as HTMLInputElement).name === 'provider') as HTMLInputElement[];
    // Peter (employed, LS9, employer of 600 without OH, depression and anxiety): work coach (7 days),
    // case management (12 days) and debt advice (5 days) are eligible.
    expect(radios.map((r) => r.labels?.[0]?.textContent)).toEqual([
      'Greenhill Money and Benefits Advice',
      'Northfield Work Coach Service',
      'Pennine Work and Wellbeing Case Management',
    ]);
    // Preselected: the first that specialises in his condition groups (mental health).
    expect(radios.map((r) => r.checked)).toEqual([false, false, true]);
    expect(checkbox('Case management').checked).toBe(true);
    expect(screen.queryByRole('checkbox', { name: 'Debt and benefits advice' })).toBeNull();
    // Choosing another provider shows only its services, with the first one ticked.
    fireEvent.click(radio('Greenhill Money and Benefits Advice'));
    expect(checkbox('Debt and benefits advice').checked).toBe(true);
    expect(screen.queryByRole('checkbox', { name: 'Case management' })).toBeNull();
    expect(radio('Face to face')).toBeTruthy();
    fireEvent.click(radio('Pennine Work and Wellbeing Case Management'));
    expect(checkbox('Case management').checked).toBe(true);
    expect(checkbox('Workplace mediation').checked).toBe(false);
    expect(checkbox('Psychological therapy').checked).toBe(false);
    expect(radio('Video')).toBeTruthy();
  });

  it('shows each ineligible provider with its reasons, not as a choice', () => {
    setup();
    const list = document.querySelector('.fp-ineligible') as HTMLElement;
    const item = (id: string) => list.querySelector(`[data-provider="${id}"]`) as HTMLElement;
    expect(item('local-oh-service').textContent).toContain('Only for employers with fewer than 250 staff');
    expect(item('msk-physio-fast-track').textContent).toContain('For musculoskeletal conditions only');
    expect(item('talking-therapies-employment').textContent).toContain('Not taking referrals: paused');
    for (const name of [
      'Aireside Occupational Health Service',
      'Riverbank MSK Physiotherapy Fast Track',
      'Calder Talking Therapies Employment Advisers',
    ])
      expect(screen.queryByRole('radio', { name })).toBeNull();
    expect(within(list).queryAllByRole('radio')).toHaveLength(0);
  });

  it('prefills the reason, work, sharing, interpreter and leaves consent unticked', () => {
    setup();
    expect(document.activeElement).toBe(
      screen.getByRole('heading', { name: 'Refer to a work and health provider' }),
    );
    expect((screen.getByLabelText('Reason for referral') as HTMLTextAreaElement).value).toBe(
      'Depression and Anxiety',
    );
    expect(checkbox('Use general wording instead of the diagnosis').checked).toBe(false);
    expect(
      screen.getByText(/Employed, Call-centre adviser at Example Contact Centre Ltd \(from the record\)/),
    ).toBeTruthy();
    expect(checkbox('Needs an interpreter').checked).toBe(false);
    expect(checkbox(/agrees to this referral/).checked).toBe(false);
    expect(checkbox('Ask the provider to talk to the patient’s employer').checked).toBe(false);
    // The consent sentence says what goes to whom, and follows the choices.
    expect(
      screen.getByText(/will receive: your contact details.*Your employer will receive: nothing\./),
    ).toBeTruthy();
    fireEvent.click(checkbox('Ask the provider to talk to the patient’s employer'));
    const employer = document.getElementById('rf-employer-conditional') as HTMLElement;
    const employerBox = (name: string) =>
      within(employer).getByRole('checkbox', { name }) as HTMLInputElement;
    expect(employerBox('Diagnosis').checked).toBe(false);
    expect(employerBox('Relevant clinical notes').checked).toBe(false);
    expect(employerBox('Fit note dates').checked).toBe(true);
    expect(
      screen.getByText(
        /Your employer will receive: the dates of your fit notes and the advice on your fit notes about work you could do\./,
      ),
    ).toBeTruthy();
  });

  it('uses the general wording when asked, and the interpreter language from the record', () => {
    setup('self-employed');
    expect(checkbox('Needs an interpreter').checked).toBe(true);
    expect((screen.getByLabelText('Language') as HTMLInputElement).value).toBe('Polish');
    fireEvent.click(checkbox('Use general wording instead of the diagnosis'));
    expect((screen.getByLabelText('Reason for referral') as HTMLTextAreaElement).value).toBe(
      'Work and health support while off work',
    );
  });

  it('asks two quick questions when employment is not recorded', () => {
    setup('peter', undefined, { employmentStatus: 'unknown', occupation: undefined });
    const status = screen.getByLabelText('Employment status') as HTMLSelectElement;
    expect(status.value).toBe('unknown');
    expect((screen.getByLabelText('Occupation (optional)') as HTMLInputElement).value).toBe('');
  });
});

describe('ReferralForm sending', () => {
  it('needs consent: an error summary links to the consent box and nothing is sent', () => {
    const { send } = setup();
    fireEvent.change(screen.getByLabelText('Phone'), { target: { value: '07700 900123' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send referral' }));
    expect(send).not.toHaveBeenCalled();
    const summary = screen.getByRole('alert');
    expect(within(summary).getByRole('heading', { name: 'There is a problem' })).toBeTruthy();
    const link = within(summary).getByRole('link', { name: /consent is needed/ }) as HTMLAnchorElement;
    expect(link.getAttribute('href')).toBe('#rf-consent');
    expect(document.activeElement).toBe(summary);
  });

  it('links every problem to its field (phone for a phone preference, diagnosis not shared)', () => {
    const { send } = setup();
    // The record's phone number was prefilled: take it out.
    fireEvent.change(screen.getByLabelText('Phone'), { target: { value: '' } });
    fireEvent.click(checkbox('Diagnosis'));
    fireEvent.click(checkbox(/agrees to this referral/));
    fireEvent.click(screen.getByRole('button', { name: 'Send referral' }));
    expect(send).not.toHaveBeenCalled();
    const links = within(screen.getByRole('alert')).getAllByRole('link') as HTMLAnchorElement[];
    expect(links.map((l) => l.getAttribute('href'))).toEqual(['#rf-general-wording', '#rf-phone']);
    expect(links[1]?.textContent).toBe('The patient prefers phone calls: add a phone number.');
    for (const l of links) expect(document.querySelector(l.getAttribute('href') as string)).not.toBeNull();
  });

  it('sends once however often Send is pressed, shows progress, then the status', async () => {
    const pending = deferred<SendResult>();
    const { send } = setup('peter', () => pending.promise);
    fillAndConsent();
    const button = screen.getByRole('button', { name: 'Send referral' });
    fireEvent.click(button);
    fireEvent.click(button);
    fireEvent.submit(button.closest('form') as HTMLFormElement);
    expect(send).toHaveBeenCalledTimes(1);
    expect((screen.getByRole('button', { name: 'Sending…' }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByRole('status').textContent).toBe('Sending the referral…');
    const [form, provider] = send.mock.calls[0] as [DomainReferralForm, Provider];
    expect(provider.id).toBe('case-managed-support');
    expect(form.consent).toEqual({ given: true, recordedAt: NOW.toISOString() });
    // The phone as typed, the email from the record.
    expect(form.contact).toEqual({
      phone: '07700 900123',
      email: 'peter.testbrook@example.com',
      preferredMethod: 'phone',
    });
    expect(form.employment).toMatchObject({
      status: 'employed',
      occupation: 'Call-centre adviser',
      recordedInRecord: true,
    });
    await act(async () => pending.resolve({ status: 'requested', identifier: 'ref-1' }));
    expect(
      screen.getByRole('heading', { name: 'Referral sent to Pennine Work and Wellbeing Case Management' }),
    ).toBeTruthy();
    expect(screen.getByText('Reference: ref-1')).toBeTruthy();
    expect(destinations()).toEqual({ record: 'Done In the patient’s record' });
  });

  it.each<[string, () => Error, RegExp, RegExp]>([
    [
      'the session ended (401)',
      () =>
        new FhirRequestError('http', 'https://ehr.test/fhir', 'HTTP 401: Access token expired', {
          status: 401,
        }),
      /Your session with the clinical system has ended.*open it again from the patient’s record/,
      /stays on this screen until you close the app/,
    ],
    [
      'no answer in time',
      () =>
        new FhirRequestError('timeout', 'https://ehr.test/fhir', 'No answer within 8000 ms', {
          timeoutMs: 8000,
        }),
      /did not answer within 8 seconds/,
      /will not create a second referral/,
    ],
  ])(
    'a failed send (%s) is in plain English, keeps what was typed, and can be sent again',
    async (_l, error, said, next) => {
      const { send } = setup('peter', async () => {
        throw error();
      });
      fillAndConsent();
      fireEvent.change(screen.getByLabelText('Anything else the provider should know (optional)'), {
        target: { value: 'Prefers mornings' },
      });
      await act(async () => {
        fireEvent.click(screen.getByRole('button', { name: 'Send referral' }));
      });
      const alert = screen.getByRole('alert');
      expect(document.activeElement).toBe(alert);
      expect(alert.textContent).toMatch(said);
      expect(alert.textContent).toMatch(next);
      expect(alert.textContent).not.toMatch(/HTTP 401|8000 ms/);
      expect((screen.getByLabelText('Phone') as HTMLInputElement).value).toBe('07700 900123');
      expect(
        (screen.getByLabelText('Anything else the provider should know (optional)') as HTMLTextAreaElement)
          .value,
      ).toBe('Prefers mornings');
      expect(checkbox(/agrees to this referral/).checked).toBe(true);
      expect(radio('Pennine Work and Wellbeing Case Management').checked).toBe(true);
      await act(async () => {
        fireEvent.click(screen.getByRole('button', { name: 'Send referral' }));
      });
      expect(send).toHaveBeenCalledTimes(2);
    },
  );

  it('keeps what was typed when sending fails, says what to do, and can send again', async () => {
    const { send } = setup('peter', async () => {
      throw new Error('The clinical system did not answer.');
    });
    fillAndConsent();
    fireEvent.change(screen.getByLabelText('Anything else the provider should know (optional)'), {
      target: { value: 'Prefers mornings' },
    });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Send referral' }));
    });
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('The referral was not sent');
    expect(alert.textContent).toContain('The clinical system did not answer.');
    expect(alert.textContent).toContain('will not create a second referral');
    expect((screen.getByLabelText('Phone') as HTMLInputElement).value).toBe('07700 900123');
    expect(
      (screen.getByLabelText('Anything else the provider should know (optional)') as HTMLTextAreaElement)
        .value,
    ).toBe('Prefers mornings');
    expect(checkbox(/agrees to this referral/).checked).toBe(true);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Send referral' }));
    });
    expect(send).toHaveBeenCalledTimes(2);
  });
});

/** The confirmation's "Where the referral is" list, by destination. */
function destinations(): Record<string, string> {
  return Object.fromEntries(
    [...document.querySelectorAll('[data-destination]')].map((li) => [
      li.getAttribute('data-destination'),
      (li.textContent ?? '').replace(/\s+/g, ' ').trim(),
    ]),
  );
}

describe('ReferralForm contact prefill', () => {
  it('fills the phone and email from the record, says where they came from, and drops the hint once changed', () => {
    setup('peter', undefined, {
      telecom: [
        { system: 'phone', value: '0113 496 0100', use: 'home' },
        { system: 'phone', value: '07700 900123', use: 'mobile' },
        { system: 'email', value: 'peter@example.org' },
      ],
    });
    const phone = screen.getByLabelText('Phone') as HTMLInputElement;
    expect(phone.value).toBe('07700 900123');
    expect(phone.getAttribute('aria-describedby')).toBe('rf-phone-hint');
    expect(document.getElementById('rf-phone-hint')?.textContent).toBe(
      'From the record: check it with the patient',
    );
    expect((screen.getByLabelText('Email (optional)') as HTMLInputElement).value).toBe('peter@example.org');
    fireEvent.change(phone, { target: { value: '07700 900999' } });
    expect(document.getElementById('rf-phone-hint')).toBeNull();
    expect(phone.getAttribute('aria-describedby')).toBeNull();
  });
});

describe('ReferralForm confirmation, place by place', () => {
  const PENNINE = 'Pennine Work and Wellbeing Case Management';

  async function sendWith(result: SendResult) {
    const utils = setup('peter', async () => result);
    fillAndConsent();
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Send referral' }));
    });
    return utils;
  }
  const callout = () => document.querySelector('.nhsuk-warning-callout') as HTMLElement | null;

  it.each<[string, SendResult, string, Record<string, string>]>([
    [
      'in the record and delivered',
      { status: 'requested', identifier: 'ref-1', inRecord: true, delivery: { state: 'delivered' } },
      `Referral sent to ${PENNINE}`,
      { record: 'Done In the patient’s record', provider: `Done Delivered to ${PENNINE}` },
    ],
    [
      'delivered, but the app may not write to the record',
      { status: 'requested', identifier: 'ref-1', inRecord: false, delivery: { state: 'delivered' } },
      `Referral sent to ${PENNINE}`,
      {
        record:
          'Not saved Not in the patient’s record: the clinical system does not let this app save to it, so add the referral to the record yourself.',
        provider: `Done Delivered to ${PENNINE}`,
      },
    ],
    [
      'in the record, not sent (the route needs the hub)',
      {
        status: 'requested',
        identifier: 'ref-1',
        inRecord: true,
        delivery: { state: 'not-sent', reason: 'It needs the referral hub.' },
      },
      `Referral saved in the record, not delivered to ${PENNINE}`,
      { record: 'Done In the patient’s record', provider: `Not sent Not delivered to ${PENNINE}` },
    ],
    [
      'in the record, delivery failed',
      {
        status: 'requested',
        identifier: 'ref-1',
        inRecord: true,
        delivery: { state: 'failed', reason: 'The provider’s system did not answer.' },
      },
      `Referral saved in the record, not delivered to ${PENNINE}`,
      { record: 'Done In the patient’s record', provider: `Failed Not delivered to ${PENNINE}` },
    ],
  ])('%s', async (_label, result, heading, places) => {
    await sendWith(result);
    const h1 = screen.getByRole('heading', { level: 1 });
    expect(h1.textContent).toBe(heading);
    expect(document.activeElement).toBe(h1);
    expect(screen.getByText('Reference: ref-1')).toBeTruthy();
    expect(destinations()).toEqual(places);
    if (result.delivery?.state === 'delivered') {
      expect(callout()).toBeNull();
    } else {
      const text = callout()?.textContent ?? '';
      expect(text).toContain(
        result.delivery?.state === 'failed' ? 'Delivery failed' : 'Not sent to the provider',
      );
      expect(text).toContain((result.delivery as { reason: string }).reason);
      expect(text).toContain('The referral is saved in the patient’s record.');
      expect(text).toContain(`${PENNINE} does not have it yet: phone them on 0113 496 0005`);
      const links = within(callout() as HTMLElement).getAllByRole('link') as HTMLAnchorElement[];
      expect(links.map((l) => l.getAttribute('href'))).toEqual([
        'tel:01134960005',
        'mailto:referrals@pennine-wellbeing.example.org',
      ]);
    }
    // No retry without a way to retry.
    expect(screen.queryByRole('button', { name: 'Try delivery again' })).toBeNull();
  });

  it('tries delivery again once however often it is pressed, then says it was delivered', async () => {
    const pending = deferred<Delivery>();
    const retryDelivery = jest.fn(() => pending.promise);
    await sendWith({
      status: 'requested',
      identifier: 'ref-1',
      inRecord: true,
      delivery: { state: 'failed', reason: 'The connection failed.' },
      retryDelivery,
    });
    const again = screen.getByRole('button', { name: 'Try delivery again' });
    fireEvent.click(again);
    fireEvent.click(again);
    expect(retryDelivery).toHaveBeenCalledTimes(1);
    expect((screen.getByRole('button', { name: 'Trying again…' }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByRole('status').textContent).toBe(`Trying to deliver the referral to ${PENNINE}…`);
    await act(async () => pending.resolve({ state: 'delivered' }));
    await act(async () => new Promise((resolve) => setTimeout(resolve, 0)));
    const h1 = screen.getByRole('heading', { level: 1 });
    expect(h1.textContent).toBe(`Referral sent to ${PENNINE}`);
    expect(document.activeElement).toBe(h1);
    expect(screen.getByRole('status').textContent).toBe(`Delivered to ${PENNINE}.`);
    expect(destinations().provider).toBe(`Done Delivered to ${PENNINE}`);
    expect(callout()).toBeNull();
  });

  it('says so when trying again fails again, with the new reason, and can try once more', async () => {
    const retryDelivery = jest
      .fn<Promise<Delivery>, []>()
      .mockResolvedValueOnce({ state: 'failed', reason: 'The provider’s system had a problem (HTTP 503).' })
      .mockRejectedValueOnce(new Error('Unexpected.'));
    await sendWith({
      status: 'requested',
      identifier: 'ref-1',
      inRecord: true,
      delivery: { state: 'failed', reason: 'The connection failed.' },
      retryDelivery,
    });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Try delivery again' }));
    });
    expect(screen.getByRole('status').textContent).toBe(
      `Delivery to ${PENNINE} failed again: The provider’s system had a problem (HTTP 503).`,
    );
    expect(callout()?.textContent).toContain('The provider’s system had a problem (HTTP 503).');
    expect(callout()?.textContent).not.toContain('The connection failed.');
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Try delivery again' }));
    });
    expect(callout()?.textContent).toContain('Unexpected.');
    expect(retryDelivery).toHaveBeenCalledTimes(2);
  });

  it('a retry the referral hub takes says sent, not failed, and starts again at the heading', async () => {
    await sendWith({
      status: 'requested',
      identifier: 'ref-1',
      inRecord: true,
      delivery: { state: 'failed', reason: 'The referral hub did not answer.' },
      retryDelivery: async () => ({ state: 'queued' }),
    });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Try delivery again' }));
    });
    await act(async () => new Promise((resolve) => setTimeout(resolve, 0)));
    const h1 = screen.getByRole('heading', { level: 1 });
    expect(h1.textContent).toBe(`Referral sent to ${PENNINE}`);
    expect(document.activeElement).toBe(h1);
    expect(screen.getByRole('status').textContent).toBe(
      `Sent: the referral hub has it and delivers it to ${PENNINE}.`,
    );
    expect(screen.getByRole('status').textContent).not.toMatch(/failed/);
    expect(destinations().provider).toMatch(/^Sending With the referral hub/);
    expect(callout()).toBeNull();
  });

  it.each<[string, SendResult, string]>([
    [
      'requested, delivered',
      { status: 'requested', identifier: 'ref-1', delivery: { state: 'delivered' } },
      `Status: Waiting for ${PENNINE} to accept it`,
    ],
    [
      'requested, with the hub',
      { status: 'requested', identifier: 'ref-1', delivery: { state: 'queued' } },
      `Status: Waiting for ${PENNINE} to accept it`,
    ],
    [
      'accepted already',
      { status: 'accepted', identifier: 'ref-1', delivery: { state: 'delivered' } },
      `Status: Accepted by ${PENNINE}`,
    ],
    [
      'requested, delivery failed',
      {
        status: 'requested',
        identifier: 'ref-1',
        delivery: { state: 'failed', reason: 'No answer.' },
      },
      `Status: Requested, but ${PENNINE} does not have it yet`,
    ],
  ])('shows the referral’s status in words: %s', async (_label, result, words) => {
    await sendWith(result);
    const status = document.querySelector('.fp-referral-status');
    expect(status?.textContent).toBe(words);
    // Next to where the referral is.
    expect(status?.previousElementSibling?.textContent).toBe('Where the referral is');
  });
});
