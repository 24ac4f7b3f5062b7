/** @jest-environment jsdom */
/**
 * What the App reports for the practice's figures (onPromptEvent): the prompt shown once per launch,
 * and the GP's answer — referred only once the referral is sent, self-referral, snoozed, overridden.
 */
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import type { PromptEventReport } from '../feedback/hubFeedback.js';
import { MemoryFeedbackStore } from '../feedback/store.js';
import { App, type AppProps } from './App.js';
import type { SendResult } from './ReferralForm.js';
import { sampleContext, TODAY } from './testSupport.js';

const NOW = new Date('2026-11-21T10:30:00.000Z');

function renderApp(send?: AppProps['onSendReferral']) {
  const context = sampleContext('peter');
  const events: PromptEventReport[] = [];
  const onSendReferral =
    send ?? (async ({ identifier }) => ({ status: 'requested', identifier: identifier.value }) as SendResult);
  const utils = render(
    <App
      context={context}
      session={{
        tokenResponse: { patient: context.patientId, scope: 'launch', need_patient_banner: false },
        canWrite: true,
      }}
      feedbackStore={new MemoryFeedbackStore()}
      onSendReferral={onSendReferral}
      today={TODAY}
      now={() => NOW}
      onPromptEvent={(e) => events.push(e)}
    />,
  );
  return { ...utils, events };
}

afterEach(cleanup);

const at = NOW.toISOString();

async function sendForm(): Promise<void> {
  await screen.findByRole('radio', { name: 'Northfield Work Coach Service' });
  fireEvent.change(screen.getByLabelText('Phone'), { target: { value: '07700 900123' } });
  fireEvent.click(screen.getByRole('checkbox', { name: /agrees to this referral/ }));
  await act(async () => {
    fireEvent.click(screen.getByRole('button', { name: 'Send referral' }));
  });
}

describe('App: prompt events for the figures', () => {
  it('reports the prompt shown once, however often it renders', () => {
    const { events, rerender } = renderApp();
    expect(screen.getByRole('dialog')).toBeTruthy();
    expect(events).toEqual([{ card: expect.any(String), ruleId: expect.any(String), action: 'shown', at }]);
    rerender(<div />);
    expect(events).toHaveLength(1);
  });

  it.each<[string, string[], Partial<PromptEventReport>]>([
    [
      'Not appropriate',
      ['Not appropriate', 'Patient declined', 'Record reason'],
      { action: 'overridden', reasonCode: 'patient-declined' },
    ],
    ['Not now', ['Not now', 'Snooze prompt'], { action: 'snoozed', reasonCode: 'until-next-note' }],
  ])('reports %s with its code and never the comment', async (_name, clicks, expected) => {
    const { events } = renderApp();
    const card = events[0]?.card;
    fireEvent.click(screen.getByRole('button', { name: clicks[0] }));
    if (clicks.length === 3) {
      fireEvent.click(screen.getByRole('radio', { name: clicks[1] }));
      fireEvent.change(screen.getByLabelText('Comment (optional)'), {
        target: { value: 'Sees his own nurse' },
      });
    }
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: clicks[clicks.length - 1] }));
      await new Promise((r) => setTimeout(r, 0));
    });
    expect(events.slice(1)).toEqual([{ card, ruleId: events[0]?.ruleId, at, ...expected }]);
    expect(JSON.stringify(events)).not.toMatch(/nurse/);
  });

  it('reports referred only after the referral is sent, with its id and provider', async () => {
    let resolve: (r: SendResult) => void = () => {};
    const { events } = renderApp(
      ({ identifier }) =>
        new Promise<SendResult>((r) => {
          resolve = () =>
            r({ status: 'requested', identifier: identifier.value, delivery: { state: 'queued' } });
        }),
    );
    fireEvent.click(screen.getByRole('button', { name: 'Refer now' }));
    expect(events.map((e) => e.action)).toEqual(['shown']);
    await sendForm();
    expect(events.map((e) => e.action)).toEqual(['shown']); // not sent yet
    await act(async () => resolve({} as SendResult));
    expect(events[1]).toEqual({
      card: events[0]?.card,
      ruleId: events[0]?.ruleId,
      action: 'referred',
      at,
      referralId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      providerId: 'work-coach-service',
    });
  });

  it('a failed delivery reports referred only when the retry gets it through', async () => {
    const retry = jest.fn(async () => ({ state: 'delivered' as const }));
    const { events } = renderApp(async ({ identifier }) => ({
      status: 'requested',
      identifier: identifier.value,
      delivery: { state: 'failed', reason: 'The provider did not answer.' },
      retryDelivery: retry,
    }));
    fireEvent.click(screen.getByRole('button', { name: 'Refer now' }));
    await sendForm();
    expect(events.map((e) => e.action)).toEqual(['shown']);
    const again = await screen.findByRole('button', { name: 'Try delivery again' });
    await act(async () => {
      fireEvent.click(again);
    });
    expect(retry).toHaveBeenCalledTimes(1);
    expect(events.map((e) => e.action)).toEqual(['shown', 'referred']);
  });

  it('reports self-referral details given', async () => {
    const { events } = renderApp();
    fireEvent.click(screen.getByRole('button', { name: 'Give self-referral details' }));
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Done: details given' }));
      await new Promise((r) => setTimeout(r, 0));
    });
    expect(events.map((e) => e.action)).toEqual(['shown', 'self-referral']);
  });
});
