/** @jest-environment jsdom */
import type { ServiceRequest } from '@medplum/fhirtypes';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { ID_SYSTEM } from '../../domain/codes.js';
import { MemoryFeedbackStore, patientKeyOf } from '../feedback/store.js';
import { App, type AppProps } from './App.js';
import { sampleContext, TODAY } from './testSupport.js';

const NOW = new Date('2026-11-21T10:30:00.000Z');

function renderApp(key: string, overrides: Partial<AppProps> = {}) {
  const context = overrides.context ?? sampleContext(key);
  const feedbackStore = overrides.feedbackStore ?? new MemoryFeedbackStore();
  const onSendReferral = jest.fn<
    ReturnType<AppProps['onSendReferral']>,
    Parameters<AppProps['onSendReferral']>
  >(async ({ identifier }) => ({ status: 'requested', identifier: identifier.value }));
  const utils = render(
    <App
      context={context}
      session={{
        tokenResponse: { patient: context.patientId, scope: 'launch', need_patient_banner: false },
        canWrite: true,
      }}
      feedbackStore={feedbackStore}
      onSendReferral={onSendReferral}
      today={TODAY}
      now={() => NOW}
      {...overrides}
    />,
  );
  return { ...utils, context, feedbackStore, onSendReferral };
}

afterEach(cleanup);

describe('App', () => {
  it('prompts for Peter; a declined prompt is recorded and does not return', async () => {
    const { feedbackStore, context, unmount } = renderApp('peter');
    const dialog = screen.getByRole('dialog');
    expect(dialog.textContent).toContain('Off work 4 weeks');
    // The panel behind the dialog is inert while it is open.
    expect(document.querySelector('.fp-behind')?.hasAttribute('inert')).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Not appropriate' }));
    fireEvent.click(screen.getByRole('radio', { name: 'Patient declined' }));
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Record reason' }));
      await new Promise((r) => setTimeout(r, 0));
    });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Work and health' }));
    const key = patientKeyOf(context.record.patient);
    expect(feedbackStore.list(key)).toEqual([
      expect.objectContaining({ outcome: 'overridden', overrideReason: expect.anything() }),
    ]);
    unmount();
    renderApp('peter', { feedbackStore });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(screen.getByRole('button', { name: 'Refer' })).toBeTruthy();
  });

  it('Refer now opens the form with the prompt’s provider; Send hands over the referral Bundle', async () => {
    const { onSendReferral } = renderApp('peter');
    fireEvent.click(screen.getByRole('button', { name: 'Refer now' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    // The form loads on demand (its own chunk in the browser): a status line shows until it is there.
    expect(
      ((await screen.findByRole('radio', { name: 'Northfield Work Coach Service' })) as HTMLInputElement)
        .checked,
    ).toBe(true);
    fireEvent.change(screen.getByLabelText('Phone'), { target: { value: '07700 900123' } });
    fireEvent.click(screen.getByRole('checkbox', { name: /agrees to this referral/ }));
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Send referral' }));
    });
    expect(onSendReferral).toHaveBeenCalledTimes(1);
    const sent = onSendReferral.mock.calls[0]?.[0];
    expect(sent?.provider.id).toBe('work-coach-service');
    const request = sent?.bundle.entry?.[0]?.resource as ServiceRequest;
    expect(request.resourceType).toBe('ServiceRequest');
    expect(request.identifier?.[0]).toEqual({ system: ID_SYSTEM.referral, value: sent?.identifier.value });
    expect(request.subject?.identifier?.value).toBe('9990000042');
    expect(request.reasonReference?.map((r) => r.reference)).toEqual([
      'Observation/peter-fitnote-1',
      'Observation/peter-fitnote-2',
    ]);
    // The episode's notes go as copies the provider can read (fit-note dates are shared by default).
    expect(request.contained?.filter((r) => r.resourceType === 'Observation').map((r) => r.id)).toEqual([
      'fitnote-1',
      'fitnote-2',
    ]);
    expect(request.authoredOn).toBe(NOW.toISOString());
    // Without a consultation in the launch, the referral names none.
    expect(request.encounter).toBeUndefined();
    expect(
      screen.getByRole('heading', { name: 'Referral sent to Northfield Work Coach Service' }),
    ).toBeTruthy();
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Back to the patient' }));
    });
    // The prompt was accepted and the referral is live: no prompt, the panel with Refer.
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(screen.getByRole('button', { name: 'Refer' })).toBeTruthy();
  });

  it('names the consultation the app was launched in on the ServiceRequest', async () => {
    const context = { ...sampleContext('peter'), encounterRef: 'Encounter/consultation-peter' };
    const { onSendReferral } = renderApp('peter', { context });
    fireEvent.click(screen.getByRole('button', { name: 'Refer now' }));
    await screen.findByRole('radio', { name: 'Northfield Work Coach Service' });
    fireEvent.change(screen.getByLabelText('Phone'), { target: { value: '07700 900123' } });
    fireEvent.click(screen.getByRole('checkbox', { name: /agrees to this referral/ }));
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Send referral' }));
    });
    const request = onSendReferral.mock.calls[0]?.[0]?.bundle.entry?.[0]?.resource as ServiceRequest;
    expect(request.encounter).toEqual({ reference: 'Encounter/consultation-peter' });
  });

  it('with no prompt shows the panel, and Refer opens the form', () => {
    renderApp('no-notes');
    expect(screen.queryByRole('dialog')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Refer' }));
    expect(screen.getByRole('heading', { name: 'Refer to a work and health provider' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.getByRole('heading', { name: 'Work and health' })).toBeTruthy();
  });

  it.each([
    [{ need_patient_banner: false }, undefined, false],
    [{ need_patient_banner: true }, undefined, true],
    [{}, undefined, true],
    [{ need_patient_banner: true }, false, false],
  ])('token %j, showPatientBanner %s: banner shown = %s', (token, showPatientBanner, shown) => {
    const context = sampleContext('no-notes');
    renderApp('no-notes', {
      session: {
        tokenResponse: { patient: context.patientId, scope: 'launch', ...token },
        canWrite: false,
        ...(showPatientBanner === undefined ? {} : { showPatientBanner }),
      },
    });
    expect(screen.queryByRole('region', { name: 'Patient' }) !== null).toBe(shown);
  });

  it('says when the practice settings fell back to the defaults, and lists loading problems', () => {
    const context = sampleContext('no-notes');
    context.config.source = 'default';
    context.config.problem = 'The settings file was not JSON.';
    context.problems = ['The practice Organization could not be read.'];
    renderApp('no-notes', { context });
    expect(screen.getByText(/national defaults are in use\. The settings file was not JSON\./)).toBeTruthy();
    expect(screen.getByText('The practice Organization could not be read.')).toBeTruthy();
  });

  async function sendFromForm() {
    await screen.findByRole('radio', { name: 'Northfield Work Coach Service' });
    fireEvent.change(screen.getByLabelText('Phone'), { target: { value: '07700 900123' } });
    fireEvent.click(screen.getByRole('checkbox', { name: /agrees to this referral/ }));
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Send referral' }));
    });
  }

  it('Refer now then Cancel: nothing is recorded and the prompt is back', async () => {
    const { feedbackStore, context } = renderApp('peter');
    fireEvent.click(screen.getByRole('button', { name: 'Refer now' }));
    await screen.findByRole('radio', { name: 'Northfield Work Coach Service' });
    expect(feedbackStore.list(patientKeyOf(context.record.patient))).toEqual([]);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    });
    expect(screen.getByRole('dialog').textContent).toContain('Off work 4 weeks');
    expect(feedbackStore.list(patientKeyOf(context.record.patient))).toEqual([]);
  });

  it('Refer now is recorded as accepted only once the referral is sent: after a failed delivery, when the retry gets through', async () => {
    const retry = jest.fn(async () => ({ state: 'queued' as const }));
    const onSendReferral = jest.fn<
      ReturnType<AppProps['onSendReferral']>,
      Parameters<AppProps['onSendReferral']>
    >(async ({ identifier }) => ({
      status: 'requested',
      identifier: identifier.value,
      inRecord: true,
      delivery: { state: 'failed', reason: 'The referral hub did not answer.' },
      retryDelivery: retry,
    }));
    const { feedbackStore, context } = renderApp('peter', { onSendReferral });
    const key = patientKeyOf(context.record.patient);
    fireEvent.click(screen.getByRole('button', { name: 'Refer now' }));
    await sendFromForm();
    expect(feedbackStore.list(key)).toEqual([]);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Try delivery again' }));
    });
    expect(retry).toHaveBeenCalledTimes(1);
    expect(feedbackStore.list(key)).toEqual([expect.objectContaining({ outcome: 'accepted' })]);
  });

  it('after sending without a hub, the panel lists the referral with its services, date and where it is', async () => {
    const { feedbackStore, context } = renderApp('peter', {
      onSendReferral: async ({ identifier }) => ({
        status: 'requested',
        identifier: identifier.value,
        inRecord: true,
        delivery: { state: 'failed', reason: 'No answer.' },
      }),
    });
    fireEvent.click(screen.getByRole('button', { name: 'Refer now' }));
    await sendFromForm();
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Back to the patient' }));
    });
    // Saved in the record: no prompt this launch, though delivery failed.
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(feedbackStore.list(patientKeyOf(context.record.patient))).toEqual([]);
    const list = screen.getByRole('list', { name: 'Referrals sent just now' });
    expect(list.textContent?.replace(/\s+/g, ' ')).toBe(
      'Not delivered Northfield Work Coach Service, 21 November 2026: employment support' +
        'In the patient’s record; not delivered: phone them on 0113 496 0002.',
    );
    expect(screen.queryByText('No work and health referrals in the record.')).toBeNull();
  });

  it.each([
    ['the hub does not list it yet', false, 1],
    ['the hub lists it already', true, 0],
  ])('with a hub: the referral just sent shows once (%s)', async (_l, hubHasIt, sentShown) => {
    let sentId = '';
    const hub = {
      list: jest.fn(async () =>
        hubHasIt && sentId
          ? [
              {
                id: sentId,
                status: 'requested',
                deliveryState: 'pending',
                provider: { id: 'work-coach-service', name: 'Northfield Work Coach Service' },
                timeline: [],
              },
            ]
          : [],
      ),
      cancel: jest.fn(),
    };
    renderApp('peter', {
      hub,
      onSendReferral: async ({ identifier }) => {
        sentId = identifier.value;
        return { status: 'requested', identifier: identifier.value, delivery: { state: 'queued' } };
      },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Refer now' }));
    await sendFromForm();
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Back to the patient' }));
    });
    await act(async () => new Promise((r) => setTimeout(r, 0)));
    expect(document.querySelectorAll('[data-sent]')).toHaveLength(sentShown);
    expect(document.querySelectorAll(`[data-referral="${sentId}"]`)).toHaveLength(hubHasIt ? 1 : 0);
  });
});
