/** @jest-environment jsdom */
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import type { ProviderAction } from '../../domain/outcome.js';
import { ApiProblem } from '../api.js';
import { ActionPanel } from './ActionPanel.js';
import { routeOf } from './format.js';

afterEach(cleanup);

function setUp(actions: ProviderAction['action'][], onAct = jest.fn(async (_: ProviderAction) => {})) {
  render(<ActionPanel actions={actions} onAct={onAct} />);
  return onAct;
}

const click = async (name: string | RegExp) => {
  await act(async () => {
    fireEvent.click(screen.getByRole('button', { name }));
  });
};

const summaryText = () => screen.queryByRole('alert')?.textContent ?? '';

describe('ActionPanel', () => {
  it.each<[string, ProviderAction['action'][], string[]]>([
    ['a new referral', ['accept', 'decline'], ['Accept', 'Decline…']],
    [
      'an accepted referral',
      ['contacted', 'scheduled', 'did-not-attend', 'complete'],
      ['Mark contacted', 'Booked…', 'Did not attend', 'Complete…'],
    ],
  ])('offers only what the status allows (%s)', (_, actions, buttons) => {
    setUp(actions);
    expect(screen.getAllByRole('button').map((b) => b.textContent)).toEqual(buttons);
  });

  it('shows nothing when no action is allowed', () => {
    setUp([]);
    expect(screen.queryByRole('button')).toBeNull();
  });

  it.each<[string, ProviderAction]>([
    ['Accept', { action: 'accept' }],
    ['Mark contacted', { action: 'contacted' }],
    ['Did not attend', { action: 'did-not-attend' }],
  ])('%s sends its action at once', async (button, action) => {
    const onAct = setUp(['accept', 'contacted', 'did-not-attend']);
    await click(button);
    expect(onAct).toHaveBeenCalledWith(action);
  });

  it('asks for a reason to decline, and words for "other"', async () => {
    const onAct = setUp(['accept', 'decline']);
    await click('Decline…');
    await click('Decline the referral');
    expect(summaryText()).toContain('Choose why you are declining the referral');
    fireEvent.click(screen.getByLabelText('Another reason'));
    await click('Decline the referral');
    expect(summaryText()).toContain('Say why you are declining the referral');
    expect(onAct).not.toHaveBeenCalled();
    fireEvent.change(screen.getByLabelText('Say why (the GP will read this)'), {
      target: { value: '  Moved away  ' },
    });
    await click('Decline the referral');
    expect(onAct).toHaveBeenCalledWith({ action: 'decline', reason: 'other', text: 'Moved away' });
  });

  it('books with or without a date', async () => {
    const onAct = setUp(['scheduled']);
    await click('Booked…');
    fireEvent.change(screen.getByLabelText('Appointment date (optional)'), {
      target: { value: '2026-11-27' },
    });
    await click('Mark as booked');
    expect(onAct).toHaveBeenCalledWith({ action: 'scheduled', date: '2026-11-27' });
  });

  it('checks the outcome in plain English, then sends it', async () => {
    const onAct = setUp(['complete']);
    await click('Complete…');
    fireEvent.click(screen.getByLabelText('Altered hours'));
    await click('Complete the referral');
    expect(summaryText()).toContain('Choose the return-to-work goal');
    expect(summaryText()).toContain('Describe the altered hours you recommend');
    expect(summaryText()).toContain('Enter a title for the report');
    expect(summaryText()).toContain('Write the report for the GP');
    expect(onAct).not.toHaveBeenCalled();
    fireEvent.click(screen.getByLabelText('A different role with the same employer'));
    fireEvent.change(screen.getByLabelText('What and for how long'), { target: { value: 'Mornings only' } });
    fireEvent.change(screen.getByLabelText('Report title'), { target: { value: 'Summary' } });
    fireEvent.change(screen.getByLabelText('Report for the GP'), { target: { value: 'Ready to return.' } });
    await click('Complete the referral');
    expect(onAct).toHaveBeenCalledWith({
      action: 'complete',
      outcome: {
        returnToWorkGoal: 'different-role-same-employer',
        adjustments: [{ code: 'altered-hours', text: 'Mornings only' }],
        report: { title: 'Summary', text: 'Ready to return.' },
      },
    });
  });

  it('shows the hub’s problems when it refuses', async () => {
    setUp(
      ['accept'],
      jest.fn(async (_: ProviderAction): Promise<void> => {
        throw new ApiProblem(409, ['This referral is cancelled, so it cannot be accepted.']);
      }),
    );
    await click('Accept');
    expect(summaryText()).toContain('This referral is cancelled, so it cannot be accepted.');
  });
});

describe('routeOf', () => {
  it.each([
    ['/inbox/', '', { page: 'list', filter: 'open' }],
    ['/inbox/', '?status=completed', { page: 'list', filter: 'completed' }],
    ['/inbox/', '?status=nonsense', { page: 'list', filter: 'open' }],
    ['/inbox/referrals/abc-1', '', { page: 'detail', id: 'abc-1' }],
  ])('%s%s', (path, search, route) => {
    expect(routeOf(path, search)).toEqual(route);
  });
});
