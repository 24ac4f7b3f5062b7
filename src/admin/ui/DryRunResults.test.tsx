/** @jest-environment jsdom */
import { cleanup, render, screen, within } from '@testing-library/react';
import type { DryRunReport } from '../../domain/dryRun.js';
import { againstExpected, DryRunResults, wrapLabel } from './DryRunResults.js';

afterEach(cleanup);
beforeAll(() => {
  HTMLCanvasElement.prototype.getContext = (() => null) as never;
});

const figures = (perGpPerMonth: number, per1000PatientsPerMonth: number, prompts: number) => ({
  prompts,
  patientsPrompted: prompts,
  per1000PatientsPerMonth,
  perGpPerMonth,
});

const report: DryRunReport = {
  from: '2025-11-22',
  to: '2026-11-21',
  months: 12,
  patients: 8000,
  fullTimeGps: 4,
  fullTimeGpsAssumed: true,
  rules: [
    {
      ruleId: 'six-weeks-oh',
      title: 'Off work six weeks',
      enabledInDraft: true,
      draft: figures(7.25, 3.625, 348),
      live: figures(5, 2.5, 240),
      expected: { label: 'Occupational health assessment', min: 4, max: 6 },
    },
    { ruleId: 'local-x', title: 'A local rule', enabledInDraft: false, draft: figures(0, 0, 0) },
  ],
  byMonth: [{ month: '2026-11', draft: { 'six-weeks-oh': 30 }, live: { 'six-weeks-oh': 20 } }],
  elapsedMs: 1234,
};

describe('DryRunResults', () => {
  it.each([
    [3.9, 'Below the expected range'],
    [4, 'Within the expected range'],
    [6, 'Within the expected range'],
    [6.1, 'Above the expected range'],
  ])('%d a month against 4–6 is %s', (value, words) => {
    expect(againstExpected(value, { min: 4, max: 6 })).toBe(words);
  });

  it('gives each rule’s draft and live figures next to the study’s range, and states the assumption', () => {
    render(
      <DryRunResults report={report} draftIsLive={false} draftVersion={3} liveVersion={2} windowWords="x" />,
    );
    const table = screen.getByRole('table', { name: 'Prompts per rule: draft and live' });
    const six = within(table).getByRole('row', { name: /Off work six weeks/ });
    expect(
      within(six)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    ).toEqual([
      '3.6',
      '7.3',
      '2.5',
      '5',
      '4–6Occupational health assessment',
      'Above the expected range',
      '348',
    ]);
    const local = within(table).getByRole('row', { name: /A local rule/ });
    expect(local.textContent).toContain('Off in draft');
    expect(local.textContent).toContain('Not in live');
    expect(screen.getByText(/assumed: one for every 2,000 patients/)).toBeTruthy();
    expect(screen.getAllByRole('img').map((c) => c.getAttribute('aria-label'))).toEqual([
      expect.stringMatching(/^Bar chart: prompts a month per full-time GP/),
      expect.stringMatching(/^Line chart: prompts in each month/),
    ]);
  });
});

describe('chart labels', () => {
  it.each([
    [
      'Off work six weeks: offer an occupational health assessment',
      ['Off work six weeks:', 'offer an occupational', 'health assessment'],
    ],
    ['Third episode', ['Third episode']],
    ['A-very-long-single-word-without-spaces-here', ['A-very-long-single-word-without-spaces-here']],
  ])('%s wraps to lines of at most 24 characters (a longer word stays whole)', (title, lines) => {
    expect(wrapLabel(title)).toEqual(lines);
  });
});
