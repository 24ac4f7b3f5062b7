/** @jest-environment jsdom */
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { CODE_SYSTEM } from '../../domain/codes.js';
import { currentEpisode } from '../../domain/episodes.js';
import { type Card, evaluate, type PromptFeedback } from '../../domain/evaluate.js';
import { loadSms, PromptDialog } from './PromptDialog.js';
import { smsLength } from './selfReferral.js';
import { sampleContext, TODAY } from './testSupport.js';
import { focusableIn } from './useFocusTrap.js';

const NOW = new Date('2026-11-21T10:30:00.000Z');

function peterCard(): { card: Card; latestIssued: string; noteCount: number } {
  const context = sampleContext('peter');
  const evaluation = evaluate({
    patient: context.record.patient,
    notes: context.record.notes,
    rules: context.config.rules,
    today: TODAY,
    directory: context.config.directory.providers,
  });
  const card = evaluation.cards[0] as Card;
  const episode = currentEpisode(evaluation.episodes);
  return { card, latestIssued: episode?.latestIssued as string, noteCount: episode?.noteCount as number };
}

function setup(overrides: Partial<Parameters<typeof PromptDialog>[0]> = {}) {
  const { card, latestIssued, noteCount } = peterCard();
  const feedback: PromptFeedback[] = [];
  const onRefer = jest.fn();
  const copyText = jest.fn(async (_text: string) => {});
  const print = jest.fn();
  const utils = render(
    <PromptDialog
      card={card}
      directory={sampleContext('peter').config.directory.providers}
      latestIssued={latestIssued}
      noteCount={noteCount}
      today={TODAY}
      now={() => NOW}
      onFeedback={(f) => feedback.push(f)}
      onRefer={onRefer}
      copyText={copyText}
      print={print}
      {...overrides}
    />,
  );
  return { ...utils, card, latestIssued, noteCount, feedback, onRefer, copyText, print };
}

afterEach(cleanup);
// The SMS text comes in its own chunk; the dialog fetches it on opening (see the e2e suites).
beforeAll(() => loadSms());

describe('PromptDialog', () => {
  it('is a modal dialog labelled by its heading, saying why, with the practice wording and source', () => {
    const { card } = setup();
    const dialog = screen.getByRole('dialog', { name: card.summary });
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(dialog.textContent).toContain(card.extension.reason);
    expect(card.extension.reason).toMatch(/^Off work 4 weeks, 2 fit notes, Depression and Anxiety/);
    expect(dialog.textContent).toContain(card.source.label);
    // Eligible providers from the card's options are listed; ineligible ones behind "Not eligible".
    const options = card.extension.providerOptions ?? [];
    for (const o of options) expect(dialog.textContent).toContain(o.name);
    expect(screen.getByText(/^Not eligible \(/)).toBeTruthy();
  });

  it('moves focus into the dialog, traps Tab and Shift+Tab, and returns focus to the opener', () => {
    const opener = document.createElement('button');
    opener.textContent = 'Open';
    document.body.appendChild(opener);
    opener.focus();
    const { card, unmount } = setup();
    const dialog = screen.getByRole('dialog');
    expect(document.activeElement).toBe(screen.getByRole('heading', { name: card.summary }));
    const buttons = within(dialog).getAllByRole('button');
    const notAppropriate = screen.getByRole('button', { name: 'Not appropriate' });
    expect(buttons[buttons.length - 1]).toBe(notAppropriate);
    // Tab from the last control wraps to the first tab stop: the "What the practice says" summary (the
    // source link inside that closed disclosure is not one: the browser does not render it).
    notAppropriate.focus();
    fireEvent.keyDown(notAppropriate, { key: 'Tab' });
    const first = document.activeElement as HTMLElement;
    expect(first.localName).toBe('summary');
    expect(first.textContent).toBe('What the practice says');
    // Shift+Tab from the first wraps to the last.
    fireEvent.keyDown(first, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(notAppropriate);
    // Focus that leaves the dialog is pulled back in.
    act(() => opener.focus());
    expect(dialog.contains(document.activeElement)).toBe(true);
    unmount();
    expect(document.activeElement).toBe(opener);
    opener.remove();
  });

  it('Shift+Tab from the heading focused on opening wraps to the last control, not out of the dialog', () => {
    setup();
    const dialog = screen.getByRole('dialog');
    fireEvent.keyDown(document.activeElement as Element, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Not appropriate' }));
    // From the dialog itself (focused when it has nothing else), Tab goes to the first tab stop.
    act(() => dialog.focus());
    fireEvent.keyDown(dialog, { key: 'Tab' });
    expect(document.activeElement?.textContent).toBe('What the practice says');
  });

  it('both disclosures are tab stops; a link inside a closed one is not, until it is opened', () => {
    const base = peterCard().card;
    setup({ card: { ...base, source: { ...base.source, url: 'https://example.org/practice-guidance' } } });
    const dialog = screen.getByRole('dialog');
    const summaries = [...dialog.querySelectorAll('summary')];
    expect(summaries.map((s) => s.textContent)).toEqual([
      'What the practice says',
      expect.stringMatching(/^Not eligible \(\d+\)$/),
    ]);
    const buttons = ['Refer now', 'Give self-referral details', 'Not now', 'Not appropriate'].map((name) =>
      screen.getByRole('button', { name }),
    );
    expect(focusableIn(dialog)).toEqual([...summaries, ...buttons]);
    // With the practice's wording open, Shift+Tab from its summary wraps to the last control, and
    // Tab from the last control still goes to the summary (the first stop); the link follows it.
    act(() => {
      (summaries[0]?.parentElement as HTMLDetailsElement).open = true;
    });
    const link = within(dialog).queryByRole('link');
    expect(link).not.toBeNull();
    expect(focusableIn(dialog)).toEqual([summaries[0], link, summaries[1], ...buttons]);
    const last = screen.getByRole('button', { name: 'Not appropriate' });
    act(() => last.focus());
    fireEvent.keyDown(last, { key: 'Tab' });
    expect(document.activeElement).toBe(summaries[0]);
    fireEvent.keyDown(summaries[0] as Element, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(last);
  });

  it.each([
    ['Give self-referral details', 'Self-referral details'],
    ['Not now', 'Not now: show this prompt again'],
    ['Not appropriate', 'Why is a referral not appropriate?'],
  ])(
    'Escape in the view "%s" opens goes back to the prompt, focus on that button; nothing is recorded',
    (opener, heading) => {
      const { feedback } = setup();
      fireEvent.click(screen.getByRole('button', { name: opener }));
      expect(document.activeElement).toBe(screen.getByRole('heading', { name: heading }));
      fireEvent.keyDown(document.activeElement as Element, { key: 'Escape' });
      expect(screen.queryByRole('heading', { name: heading })).toBeNull();
      expect(document.activeElement).toBe(screen.getByRole('button', { name: opener }));
      expect(feedback).toEqual([]);
      // Back does the same.
      fireEvent.click(screen.getByRole('button', { name: opener }));
      fireEvent.click(screen.getByRole('button', { name: 'Back' }));
      expect(document.activeElement).toBe(screen.getByRole('button', { name: opener }));
      expect(feedback).toEqual([]);
    },
  );

  it('Escape while typing the override comment or choosing a snooze date only leaves that view', () => {
    const { feedback } = setup();
    fireEvent.click(screen.getByRole('button', { name: 'Not appropriate' }));
    fireEvent.click(screen.getByRole('radio', { name: 'Patient declined' }));
    const comment = screen.getByLabelText('Comment (optional)');
    act(() => comment.focus());
    fireEvent.change(comment, { target: { value: 'Half typed' } });
    fireEvent.keyDown(comment, { key: 'Escape' });
    expect(screen.getByRole('button', { name: 'Refer now' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Not now' }));
    fireEvent.click(screen.getByRole('radio', { name: 'From a date' }));
    const date = screen.getByLabelText('Show again from');
    act(() => date.focus());
    fireEvent.keyDown(date, { key: 'Escape' });
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Not now' }));
    expect(feedback).toEqual([]);
  });

  it('"From a date" reveals the date field as NHS.UK conditional radios do (aria-controls, hidden class)', () => {
    setup();
    fireEvent.click(screen.getByRole('button', { name: 'Not now' }));
    const fromDate = screen.getByRole('radio', { name: 'From a date' });
    const next = screen.getByRole('radio', { name: 'When the next fit note is issued' });
    const controlled = document.getElementById(fromDate.getAttribute('aria-controls') ?? '') as HTMLElement;
    expect(controlled.classList.contains('nhsuk-radios__conditional')).toBe(true);
    expect(next.hasAttribute('aria-controls')).toBe(false);
    expect(fromDate.hasAttribute('aria-expanded')).toBe(false);
    expect(controlled.hidden).toBe(true);
    expect(controlled.classList.contains('nhsuk-radios__conditional--hidden')).toBe(true);
    fireEvent.click(fromDate);
    expect(controlled.hidden).toBe(false);
    expect(controlled.classList.contains('nhsuk-radios__conditional--hidden')).toBe(false);
    expect(controlled.contains(screen.getByLabelText('Show again from'))).toBe(true);
    fireEvent.click(next);
    expect(controlled.hidden).toBe(true);
  });

  it('Escape means "Not now": snoozed until the next fit note, as the dialog says', () => {
    expect(screen.queryByText('Escape: not now, until the next fit note.')).toBeNull();
    setup();
    expect(screen.getByText('Escape: not now, until the next fit note.')).toBeTruthy();
    const { card, latestIssued, noteCount, feedback } = setup();
    fireEvent.keyDown(document.activeElement as Element, { key: 'Escape' });
    expect(feedback).toEqual([
      {
        card: card.uuid,
        outcome: 'snoozed',
        outcomeTimestamp: NOW.toISOString(),
        snooze: { untilNextNote: true, latestIssued, noteCount },
      },
    ]);
    expect(latestIssued).toBe(TODAY);
    expect(noteCount).toBeGreaterThan(1);
  });

  it('Refer now: accepted, then opens the referral with the recommended provider', () => {
    const { card, feedback, onRefer } = setup();
    fireEvent.click(screen.getByRole('button', { name: 'Refer now' }));
    // CDS Hooks 2.0: an accepted outcome names the suggestion acted on, the recommended provider's.
    const suggestion = card.suggestions?.find((s) => s.isRecommended);
    expect(suggestion?.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(feedback).toEqual([
      {
        card: card.uuid,
        outcome: 'accepted',
        outcomeTimestamp: NOW.toISOString(),
        acceptedSuggestions: [{ id: suggestion?.uuid }],
      },
    ]);
    const recommended = card.extension.providerOptions?.find((o) => o.eligible)?.id;
    expect(recommended).toBeDefined();
    expect(suggestion?.label).toBe(
      `Refer to ${card.extension.providerOptions?.find((o) => o.eligible)?.name}`,
    );
    expect(onRefer).toHaveBeenCalledWith(recommended);
  });

  it('Not now: until the next fit note, or until a date after today', () => {
    const { card, latestIssued, noteCount, feedback } = setup();
    fireEvent.click(screen.getByRole('button', { name: 'Not now' }));
    expect(document.activeElement).toBe(screen.getByRole('heading', { name: /Not now/ }));
    fireEvent.click(screen.getByRole('radio', { name: 'From a date' }));
    const date = screen.getByLabelText('Show again from') as HTMLInputElement;
    fireEvent.change(date, { target: { value: TODAY } });
    fireEvent.click(screen.getByRole('button', { name: 'Snooze prompt' }));
    expect(feedback).toEqual([]);
    expect(screen.getByText(/Enter a date after today/)).toBeTruthy();
    fireEvent.change(date, { target: { value: '2026-12-05' } });
    fireEvent.click(screen.getByRole('button', { name: 'Snooze prompt' }));
    expect(feedback).toEqual([
      {
        card: card.uuid,
        outcome: 'snoozed',
        outcomeTimestamp: NOW.toISOString(),
        snooze: { until: '2026-12-05' },
      },
    ]);
    fireEvent.click(screen.getByRole('radio', { name: 'When the next fit note is issued' }));
    fireEvent.click(screen.getByRole('button', { name: 'Snooze prompt' }));
    expect(feedback[1]?.snooze).toEqual({ untilNextNote: true, latestIssued, noteCount });
  });

  it('Not appropriate: needs a reason; records the override reason and comment', () => {
    const { card, feedback } = setup();
    fireEvent.click(screen.getByRole('button', { name: 'Not appropriate' }));
    fireEvent.click(screen.getByRole('button', { name: 'Record reason' }));
    expect(feedback).toEqual([]);
    expect(screen.getByText(/Choose why a referral is not appropriate/)).toBeTruthy();
    for (const r of card.overrideReasons) expect(screen.getByRole('radio', { name: r.display })).toBeTruthy();
    fireEvent.click(screen.getByRole('radio', { name: 'Employer occupational health in place' }));
    fireEvent.change(screen.getByLabelText('Comment (optional)'), {
      target: { value: '  Seen by OH last week ' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Record reason' }));
    expect(feedback).toEqual([
      {
        card: card.uuid,
        outcome: 'overridden',
        outcomeTimestamp: NOW.toISOString(),
        overrideReason: {
          reason: {
            system: CODE_SYSTEM.promptOverrideReason,
            code: 'employer-oh-in-place',
            display: 'Employer occupational health in place',
          },
          userComment: 'Seen by OH last week',
        },
      },
    ]);
  });

  it('Not appropriate without a comment leaves userComment out; Back returns to the prompt', () => {
    const { feedback } = setup();
    fireEvent.click(screen.getByRole('button', { name: 'Not appropriate' }));
    fireEvent.click(screen.getByRole('button', { name: 'Back' }));
    expect(screen.getByRole('button', { name: 'Refer now' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Not appropriate' }));
    fireEvent.click(screen.getByRole('radio', { name: 'Patient declined' }));
    fireEvent.click(screen.getByRole('button', { name: 'Record reason' }));
    expect(feedback[0]?.overrideReason).toEqual({
      reason: {
        system: CODE_SYSTEM.promptOverrideReason,
        code: 'patient-declined',
        display: 'Patient declined',
      },
    });
  });

  it('Give self-referral details: instructions, a text of at most 160 characters to copy, printing; Done = accepted', async () => {
    const { card, feedback, copyText, print } = setup();
    fireEvent.click(screen.getByRole('button', { name: 'Give self-referral details' }));
    expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Self-referral details' }));
    // The work coach service (eligible) and the paused talking-therapies service both take self-referrals.
    expect(screen.getByRole('heading', { name: 'Northfield Work Coach Service' })).toBeTruthy();
    expect(screen.getByText('Patients can refer themselves by phone on weekdays, 9am to 5pm.')).toBeTruthy();
    const texts = screen.getAllByRole('textbox') as HTMLTextAreaElement[];
    expect(texts.length).toBeGreaterThan(0);
    for (const t of texts) expect(smsLength(t.value)).toBeLessThanOrEqual(160);
    await act(async () => {
      fireEvent.click(screen.getAllByRole('button', { name: /^Copy text/ })[0] as HTMLElement);
    });
    expect(copyText).toHaveBeenCalledWith(texts[0]?.value);
    expect(screen.getByRole('status').textContent).toMatch(/copied/);
    fireEvent.click(screen.getByRole('button', { name: 'Print for the patient' }));
    expect(print).toHaveBeenCalledTimes(1);
    fireEvent.click(screen.getByRole('button', { name: 'Done: details given' }));
    // Accepted, but none of the card's suggestions (each a referral to a provider) was taken.
    expect(feedback).toEqual([
      { card: card.uuid, outcome: 'accepted', outcomeTimestamp: NOW.toISOString(), acceptedSuggestions: [] },
    ]);
  });

  it('says when copying fails and selects the text instead', async () => {
    setup({ copyText: async () => Promise.reject(new Error('denied')) });
    fireEvent.click(screen.getByRole('button', { name: 'Give self-referral details' }));
    await act(async () => {
      fireEvent.click(screen.getAllByRole('button', { name: /^Copy text/ })[0] as HTMLElement);
    });
    expect(screen.getByRole('status').textContent).toMatch(/press Ctrl\+C/);
  });
});
