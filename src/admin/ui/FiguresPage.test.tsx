/** @jest-environment jsdom */
import { cleanup, render, screen, within } from '@testing-library/react';
import { buildFiguresReport } from '../../domain/figures.js';
import { FiguresReportView } from './FiguresPage.js';

afterEach(cleanup);
// jsdom draws no canvas: the charts stay empty and the tables carry the numbers.
beforeAll(() => {
  HTMLCanvasElement.prototype.getContext = (() => null) as never;
});

const at = (iso: string) => Date.parse(iso);

describe('FiguresReportView', () => {
  it('says what will appear once GPs see prompts when nothing is recorded', () => {
    const report = buildFiguresReport({
      events: [],
      referrals: [],
      window: { from: '2026-06', to: '2026-11' },
    });
    render(<FiguresReportView report={report} download={() => undefined} />);
    expect(
      screen.getByRole('heading', { name: 'Nothing recorded for June 2026 to November 2026' }),
    ).toBeTruthy();
    expect(screen.getByText(/Once GPs see prompts, this page shows/)).toBeTruthy();
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('shows each rule’s counts and each provider’s, with the reasons used', () => {
    const report = buildFiguresReport({
      window: { from: '2026-10', to: '2026-11' },
      rules: [{ id: 'six-weeks-oh', title: 'Off work six weeks' }],
      providers: [{ id: 'local-oh-service', name: 'Aireside OH' }],
      events: [
        { card: 'c1', ruleId: 'six-weeks-oh', action: 'shown', at: at('2026-10-02T10:00:00Z') },
        { card: 'c1', ruleId: 'six-weeks-oh', action: 'referred', at: at('2026-10-02T10:05:00Z') },
        { card: 'c2', ruleId: 'six-weeks-oh', action: 'shown', at: at('2026-11-03T10:00:00Z') },
        {
          card: 'c2',
          ruleId: 'six-weeks-oh',
          action: 'overridden',
          reasonCode: 'patient-declined',
          at: at('2026-11-03T10:01:00Z'),
        },
      ],
      referrals: [
        {
          id: 'r1',
          providerId: 'local-oh-service',
          createdAt: at('2026-10-02T10:05:00Z'),
          status: 'rejected',
          statusReason: 'outside-area',
          acknowledgedAt: at('2026-10-04T10:05:00Z'),
        },
      ],
    });
    render(<FiguresReportView report={report} download={() => undefined} />);
    const rules = screen.getByRole('table', { name: /^Prompts by rule, October 2026/ });
    const header = within(rules)
      .getAllByRole('columnheader')
      .map((c) => c.textContent);
    const row = within(rules).getByRole('row', { name: /Off work six weeks/ });
    const cells = within(row)
      .getAllByRole('cell')
      .map((c) => c.textContent);
    expect(Object.fromEntries(header.slice(1).map((h, i) => [h, cells[i]]))).toEqual({
      Shown: '2',
      'Acted on (referral sent)': '1',
      'Self-referral details given': '0',
      Snoozed: '0',
      Overridden: '1',
      'Overridden: Patient declined': '1',
    });
    const providers = screen.getByRole('table', { name: /^Referrals by provider/ });
    const prow = within(providers).getByRole('row', { name: /Aireside OH/ });
    expect(
      within(prow)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    ).toEqual(['1', '0', '1', '1', '0', '2 (of 1)']);
    expect(screen.getAllByRole('img').length).toBe(2);
  });
});
