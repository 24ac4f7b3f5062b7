/** @jest-environment jsdom */
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { currentEpisode, episodesOf } from '../../domain/episodes.js';
import { type HubReferral, HubReferralsError } from '../hubReferrals.js';
import { summariseReferrals } from './format.js';
import { PatientBanner } from './PatientBanner.js';
import { type PanelHub, PatientPanel } from './PatientPanel.js';
import { deferred, sampleContext, sampleRecord, TODAY } from './testSupport.js';

afterEach(cleanup);

function renderPanel(key: string) {
  const context = sampleContext(key);
  const episode = currentEpisode(episodesOf(context.record.notes, { today: TODAY }));
  const onRefer = jest.fn();
  render(
    <PatientPanel
      record={context.record}
      episode={episode}
      directory={context.config.directory.providers}
      onRefer={onRefer}
    />,
  );
  return { onRefer };
}

describe('PatientPanel', () => {
  it("shows Peter's current absence and a Refer button", () => {
    const { onRefer } = renderPanel('peter');
    expect(screen.getByRole('heading', { name: 'Work and health' })).toBeTruthy();
    expect(screen.getByText('6 November 2026')).toBeTruthy();
    expect(screen.getByText(/^28 days/)).toBeTruthy();
    expect(screen.getByText(/^2 fit notes, latest issued 21 November 2026/)).toBeTruthy();
    expect(screen.getByText('Depression, Anxiety')).toBeTruthy();
    expect(screen.getByText('Not fit for work')).toBeTruthy();
    expect(screen.getByText('No work and health referrals in the record.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Refer' }));
    expect(onRefer).toHaveBeenCalledTimes(1);
  });

  it('lists existing referrals once each, with the Task’s status and the provider’s name', () => {
    renderPanel('referred');
    const items = screen.getAllByRole('listitem');
    const referral = items.find((li) => li.textContent?.includes('Aireside Occupational Health Service'));
    expect(referral?.textContent).toMatch(/^Accepted Aireside Occupational Health Service, \d+ \w+ 2026$/);
    expect(items.filter((li) => li.textContent?.includes('Aireside'))).toHaveLength(1);
  });

  it('keeps Refer with no fit notes at all', () => {
    renderPanel('no-notes');
    expect(screen.getByText(/No current absence/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Refer' })).toBeTruthy();
  });

  it('lists fit notes that could not be read, with the reason', () => {
    const record = sampleRecord('unreadable');
    expect(record.unreadable.length).toBeGreaterThan(0);
    renderPanel('unreadable');
    expect(screen.getByText('One fit note could not be read and is not counted:')).toBeTruthy();
    const first = record.unreadable[0] as { ref: string; reason: string };
    expect(screen.getByText(`${first.ref}: ${first.reason}`)).toBeTruthy();
  });
});

describe('PatientBanner', () => {
  it('shows the NHS number in groups and the date of birth', () => {
    render(<PatientBanner patient={sampleRecord('peter').patient} name="Peter Testbrook" />);
    expect(screen.getByRole('region', { name: 'Patient' }).textContent).toBe(
      'Peter TestbrookNHS number999 000 0042Born14 June 1995',
    );
  });
});

describe('PatientPanel with the referral hub', () => {
  const view = (over: Partial<HubReferral> = {}): HubReferral => ({
    id: 'hub-ref-1',
    status: 'requested',
    deliveryState: 'delivered',
    provider: { id: 'case-managed-support', name: 'Pennine Work and Wellbeing', phone: '0113 496 0000' },
    createdAt: '2026-11-21T10:00:00.000Z',
    timeline: [
      { at: '2026-11-21T10:00:00.000Z', event: 'accepted', text: 'The hub received the referral.' },
      { at: '2026-11-21T10:00:02.000Z', event: 'delivered', text: 'Pennine received the referral.' },
    ],
    ...over,
  });

  function renderWithHub(hub: PanelHub, key = 'peter') {
    const context = sampleContext(key);
    const onRefer = jest.fn();
    render(
      <PatientPanel
        record={context.record}
        directory={context.config.directory.providers}
        onRefer={onRefer}
        hub={hub}
      />,
    );
    return { onRefer };
  }
  const hubItem = () => screen.getByRole('list', { name: 'Referrals through the referral hub' });

  it('says it is checking, then lists the hub’s referrals with their status and timeline', async () => {
    const list = deferred<HubReferral[]>();
    renderWithHub({ list: () => list.promise, cancel: jest.fn() });
    expect(screen.getByRole('status').textContent).toBe('Checking referral progress…');
    // The record's answer is already there: nothing waits for the hub.
    expect(screen.getByText('No work and health referrals in the record.')).toBeTruthy();
    await act(async () => list.resolve([view()]));
    expect(screen.queryByText('Checking referral progress…')).toBeNull();
    const item = within(hubItem()).getAllByRole('listitem')[0] as HTMLElement;
    expect(item.textContent).toMatch(/^Sent Pennine Work and Wellbeing, 21 Nov/);
    const details = item.querySelector('details') as HTMLDetailsElement;
    expect(details.open).toBe(false);
    expect(within(details).getByText(/Progress/).textContent).toBe(
      'Progress of the referral to Pennine Work and Wellbeing',
    );
    expect([...details.querySelectorAll('li')].map((li) => li.dataset.event)).toEqual([
      'accepted',
      'delivered',
    ]);
    expect(details.textContent).toContain('Pennine received the referral.');
    expect(screen.queryByText('No work and health referrals in the record.')).toBeNull();
  });

  it.each<[string, Partial<HubReferral>, string, string | undefined, boolean]>([
    ['requested', {}, 'Sent', undefined, true],
    ['accepted', { status: 'accepted' }, 'Accepted', undefined, true],
    [
      'in progress',
      { status: 'in-progress', businessStatus: 'first appointment booked' },
      'In progress',
      'first appointment booked',
      true,
    ],
    ['completed', { status: 'completed' }, 'Completed', undefined, false],
    [
      'cancelled',
      { status: 'cancelled', statusReason: 'Back at work' },
      'Cancelled',
      'Reason for cancelling: Back at work',
      false,
    ],
    [
      'rejected',
      { status: 'rejected', statusReason: 'Outside our area' },
      'Declined by provider',
      'Reason: Outside our area',
      false,
    ],
    [
      'not delivered',
      { deliveryState: 'failed', lastDeliveryError: 'The provider’s system refused it.' },
      'Not delivered',
      'The provider’s system refused it. Phone Pennine Work and Wellbeing on 0113 496 0000 to make the referral.',
      true,
    ],
  ])('%s: tag, words and whether it can be cancelled', async (_, over, tag, words, cancellable) => {
    renderWithHub({ list: async () => [view(over)], cancel: jest.fn() });
    const item = await screen.findByText(tag);
    expect(item.className).toMatch(tag === 'Not delivered' ? /nhsuk-tag--red/ : /nhsuk-tag--/);
    if (words) expect(hubItem().textContent).toContain(words);
    expect(screen.queryAllByRole('button', { name: /^Request cancellation/ })).toHaveLength(
      cancellable ? 1 : 0,
    );
  });

  it.each<[string, Partial<HubReferral>, string, string]>([
    [
      'contacted',
      { status: 'in-progress', businessStatus: 'contacted' },
      'In progress',
      'In progress Pennine Work and Wellbeing, 21 Nov, 10:00: Patient contacted',
    ],
    [
      'booked with a date',
      { status: 'in-progress', businessStatus: 'scheduled', appointmentDate: '2026-12-01' },
      'In progress',
      'In progress Pennine Work and Wellbeing, 21 Nov, 10:00: Appointment booked for 1 December 2026',
    ],
    [
      'booked without a date',
      { status: 'in-progress', businessStatus: 'scheduled' },
      'In progress',
      'In progress Pennine Work and Wellbeing, 21 Nov, 10:00: Appointment booked',
    ],
    [
      'did not attend the booked appointment',
      { status: 'in-progress', businessStatus: 'did-not-attend', appointmentDate: '2026-12-01' },
      'Did not attend',
      'Did not attend Pennine Work and Wellbeing, 21 Nov, 10:00The patient did not attend the appointment on 1 December 2026. Phone Pennine Work and Wellbeing on 0113 496 0000 to find out what happens next.',
    ],
    [
      'did not attend, no date, no phone',
      {
        status: 'in-progress',
        businessStatus: 'did-not-attend',
        provider: { id: 'case-managed-support', name: 'Pennine Work and Wellbeing' },
      },
      'Did not attend',
      'Did not attend Pennine Work and Wellbeing, 21 Nov, 10:00The patient did not attend the appointment. Phone Pennine Work and Wellbeing to find out what happens next.',
    ],
  ])('status line in words: %s', async (_, over, tag, line) => {
    renderWithHub({ list: async () => [view({ timeline: [], ...over })], cancel: jest.fn() });
    expect((await screen.findByText(tag)).className).toMatch(
      tag === 'Did not attend' ? /nhsuk-tag--orange/ : /nhsuk-tag--aqua-green/,
    );
    const item = within(hubItem()).getAllByRole('listitem')[0] as HTMLElement;
    expect(item.textContent).toBe(
      `${line}Request cancellation of the referral to Pennine Work and Wellbeing`,
    );
  });

  it('declined: the reason, the provider’s phone, and Refer to another provider', async () => {
    const { onRefer } = renderWithHub({
      list: async () => [
        view({
          status: 'rejected',
          statusReason: 'The patient lives or works outside the service’s area: We cover Leeds only.',
        }),
      ],
      cancel: jest.fn(),
    });
    await screen.findByText('Declined by provider');
    expect(hubItem().textContent).toContain(
      'Reason: The patient lives or works outside the service’s area: We cover Leeds only.' +
        'Phone Pennine Work and Wellbeing on 0113 496 0000 to talk about it, or refer the patient to another provider.',
    );
    fireEvent.click(screen.getByRole('button', { name: 'Refer to another provider' }));
    expect(onRefer).toHaveBeenCalledTimes(1);
    // The form is told who declined, so it does not offer that provider first again.
    const declined = [
      expect.objectContaining({
        providerId: view({}).provider.id,
        reason: 'The patient lives or works outside the service’s area: We cover Leeds only.',
      }),
    ];
    expect(onRefer).toHaveBeenCalledWith(declined);
    fireEvent.click(screen.getByRole('button', { name: 'Refer' }));
    expect(onRefer).toHaveBeenLastCalledWith(declined);
  });

  const outcome = (report = 'Seen twice. Back at work part-time from Monday.') => ({
    returnToWorkGoal: 'same-role' as const,
    adjustments: [
      { code: 'phased-return' as const, text: 'Half days for two weeks, then full days' },
      { code: 'workplace-adaptations' as const, text: 'A sit-stand desk' },
    ],
    report: { title: 'Work and health assessment', text: report },
  });

  it('completed: the goal, the adjustments for the next fit note, and the report', async () => {
    renderWithHub({
      list: async () => [view({ status: 'completed', outcome: outcome() })],
      cancel: jest.fn(),
    });
    expect(
      await screen.findByRole('heading', { name: 'Outcome from Pennine Work and Wellbeing' }),
    ).toBeTruthy();
    const block = hubItem().querySelector('.fp-outcome') as HTMLElement;
    expect(within(block).getByText('Return to the same role')).toBeTruthy();
    expect(
      within(block).getByText('You can use these on the next fit note (“may be fit for work”):'),
    ).toBeTruthy();
    expect(
      within(block)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual([
      'Phased return to work: Half days for two weeks, then full days',
      'Workplace adaptations: A sit-stand desk',
    ]);
    expect(within(block).getByRole('heading', { name: 'Report: Work and health assessment' })).toBeTruthy();
    expect(within(block).getByText('Seen twice. Back at work part-time from Monday.')).toBeTruthy();
    expect(within(block).queryByRole('button')).toBeNull();
    expect(screen.queryByRole('button', { name: /^Request cancellation/ })).toBeNull();
  });

  it('completed without adjustments says so', async () => {
    renderWithHub({
      list: async () => [view({ status: 'completed', outcome: { ...outcome(), adjustments: [] } })],
      cancel: jest.fn(),
    });
    expect(
      await screen.findByText('The provider did not recommend any adjustments for the fit note.'),
    ).toBeTruthy();
    expect(screen.queryByText(/You can use these on the next fit note/)).toBeNull();
  });

  it('collapses a long report behind Show the whole report', async () => {
    const long = `${'The patient was seen for an assessment of their work and health needs. '.repeat(8)}The end.`;
    renderWithHub({
      list: async () => [view({ status: 'completed', outcome: outcome(long) })],
      cancel: jest.fn(),
    });
    const show = await screen.findByRole('button', { name: 'Show the whole report' });
    const report = document.getElementById(show.getAttribute('aria-controls') as string) as HTMLElement;
    expect(show.getAttribute('aria-expanded')).toBe('false');
    expect(report.textContent?.endsWith('…')).toBe(true);
    expect(report.textContent?.length).toBeLessThanOrEqual(281);
    expect(report.textContent).not.toContain('The end.');
    fireEvent.click(show);
    expect(show.getAttribute('aria-expanded')).toBe('true');
    expect(show.textContent).toBe('Show less of the report');
    expect(report.textContent).toBe(long.trim());
  });

  it('says when it cannot read the provider’s outcome, and still shows the referral', async () => {
    renderWithHub({
      list: async () => [view({ status: 'completed', outcomeUnreadable: true })],
      cancel: jest.fn(),
    });
    await screen.findByText('Completed');
    expect(hubItem().textContent).toContain(
      'The app could not read the outcome Pennine Work and Wellbeing reported. Phone Pennine Work and Wellbeing on 0113 496 0000 to ask for it.',
    );
    expect(hubItem().querySelector('.fp-outcome')).toBeNull();
  });

  it('shows the hub’s referral in place of the record’s copy, and record-only referrals as before', async () => {
    const record = sampleRecord('referred');
    const known = summariseReferrals(record.referrals)[0]?.key as string;
    renderWithHub(
      { list: async () => [view({ id: known, status: 'accepted' })], cancel: jest.fn() },
      'referred',
    );
    await screen.findByRole('list', { name: 'Referrals through the referral hub' });
    const all = screen.getAllByText('Accepted');
    expect(all).toHaveLength(1);
    expect(all[0]?.closest('ul')?.getAttribute('aria-label')).toBe('Referrals through the referral hub');
  });

  it('says in one line when the hub cannot be asked, and still lists the record’s referrals', async () => {
    renderWithHub(
      {
        list: async () => {
          throw new HubReferralsError(
            'The app could not reach the referral hub to check the progress of referrals.',
          );
        },
        cancel: jest.fn(),
      },
      'referred',
    );
    expect(
      await screen.findByText('The app could not reach the referral hub to check the progress of referrals.'),
    ).toBeTruthy();
    expect(screen.getByText(/Aireside Occupational Health Service/)).toBeTruthy();
  });

  it('cancels after a confirm step, with the reason, once however often it is clicked', async () => {
    const sent = deferred<HubReferral>();
    const cancel = jest.fn(() => sent.promise);
    renderWithHub({ list: async () => [view()], cancel });
    fireEvent.click(await screen.findByRole('button', { name: /^Request cancellation/ }));
    const reason = screen.getByLabelText('Reason for cancelling (optional)');
    expect(document.activeElement).toBe(reason);
    expect(
      screen.getByRole('group', { name: 'Cancel the referral to Pennine Work and Wellbeing?' }),
    ).toBeTruthy();
    expect(cancel).not.toHaveBeenCalled();
    fireEvent.change(reason, { target: { value: 'Back at work' } });
    const yes = screen.getByRole('button', { name: 'Yes, cancel the referral' });
    fireEvent.click(yes);
    fireEvent.click(yes);
    fireEvent.click(screen.getByRole('button', { name: 'Cancelling…' }));
    expect(cancel).toHaveBeenCalledTimes(1);
    expect(cancel).toHaveBeenCalledWith('hub-ref-1', 'Back at work');
    await act(async () => sent.resolve(view({ status: 'cancelled', statusReason: 'Back at work' })));
    expect(screen.getByText('Cancelled')).toBeTruthy();
    expect(screen.getByRole('status').textContent).toBe(
      'Cancellation requested: the hub is telling Pennine Work and Wellbeing.',
    );
    expect(screen.queryByRole('button', { name: /^Request cancellation/ })).toBeNull();
  });

  it('keeps the referral when the GP changes their mind', async () => {
    const cancel = jest.fn();
    renderWithHub({ list: async () => [view()], cancel });
    fireEvent.click(await screen.findByRole('button', { name: /^Request cancellation/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Keep the referral' }));
    expect(screen.queryByLabelText('Reason for cancelling (optional)')).toBeNull();
    expect(cancel).not.toHaveBeenCalled();
    expect(screen.getByText('Sent')).toBeTruthy();
  });

  it.each<[string, unknown, string]>([
    [
      'the hub’s plain-English refusal',
      new HubReferralsError(
        'The referral hub could not cancel the referral (HTTP 409): It is already completed.',
      ),
      'The referral hub could not cancel the referral (HTTP 409): It is already completed.',
    ],
    [
      'anything else',
      new TypeError('boom'),
      'The referral could not be cancelled. Try again, or phone Pennine Work and Wellbeing to cancel it.',
    ],
  ])('shows %s when cancelling fails, and lets the GP try again', async (_, error, message) => {
    const cancel = jest.fn(async () => {
      throw error;
    });
    renderWithHub({ list: async () => [view()], cancel });
    fireEvent.click(await screen.findByRole('button', { name: /^Request cancellation/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Yes, cancel the referral' }));
    expect((await screen.findByRole('alert')).textContent).toBe(`Error: ${message}`);
    fireEvent.click(screen.getByRole('button', { name: 'Yes, cancel the referral' }));
    await waitFor(() => expect(cancel).toHaveBeenCalledTimes(2));
    expect(screen.getByText('Sent')).toBeTruthy();
  });
});
