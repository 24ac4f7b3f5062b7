/** @jest-environment jsdom */
import { cleanup, render, screen, within } from '@testing-library/react';
import { peterFitNotes, peterForm } from '../../../tests/fixtures/referralForms.js';
import type { ShareCategory } from '../../domain/codes.js';
import { consentedView } from '../../domain/consentedView.js';
import { exampleProviders, peterReferral } from '../../server/testSupport.js';
import type { InboxDetail } from '../api.js';
import { ReferralDetail } from './ReferralDetail.js';

afterEach(cleanup);

function detail(shareWithProvider: ShareCategory[], withNotes = true): InboxDetail {
  const bundle = peterReferral({
    ...(withNotes ? { fitNotes: peterFitNotes } : {}),
    form: peterForm({
      shareWithProvider,
      ...(shareWithProvider.includes('diagnosis')
        ? {}
        : { reason: { text: 'Depression', useGeneralWording: true } }),
    }),
  });
  return {
    id: 'r1',
    status: 'requested',
    statusText: 'Waiting for you',
    receivedAt: '2026-11-20T10:21:00Z',
    updatedAt: '2026-11-20T10:21:00Z',
    actions: [],
    referral: consentedView(bundle, exampleProviders()['case-managed-support']?.id),
    timeline: [],
  };
}

const show = (d: InboxDetail) =>
  render(<ReferralDetail detail={d} navigate={() => undefined} onAct={async () => undefined} />);
const rowsOf = () =>
  within(screen.getByRole('table', { name: 'Fit notes' }))
    .getAllByRole('row')
    .map((r) =>
      [...r.querySelectorAll('th, td')]
        .map((c) =>
          [...c.childNodes]
            .filter((n) => !(n as Element).getAttribute?.('aria-hidden'))
            .map((n) => n.textContent)
            .join(''),
        )
        .join(' | '),
    );

describe('ReferralDetail: the fit notes', () => {
  it.each<[string, ShareCategory[], string[], string[]]>([
    [
      'dates, advice and diagnosis shared',
      ['contact-details', 'fit-note-dates', 'diagnosis', 'functional-advice'],
      [
        'Covers | Issued | Finding | Advice | Diagnosis',
        '24 Oct 2026 to 20 Nov 2026 | 26 Oct 2026 | Not fit for work | None | Anxiety and depression',
        'From 21 Nov 2026, no end date | 20 Nov 2026 | May be fit for work | Phased return to work: Half days for two weeks.Amended duties | Stress at work',
      ],
      [],
    ],
    [
      'dates only',
      ['contact-details', 'fit-note-dates'],
      [
        'Covers | Issued | Finding',
        '24 Oct 2026 to 20 Nov 2026 | 26 Oct 2026 | Not fit for work',
        'From 21 Nov 2026, no end date | 20 Nov 2026 | May be fit for work',
      ],
      ['Half days', 'Phased return', 'Anxiety and depression', 'Stress at work'],
    ],
  ])('%s', (_name, shared, rows, absent) => {
    show(detail(shared));
    expect(rowsOf()).toEqual(rows);
    for (const text of absent) expect(document.body.textContent).not.toContain(text);
  });

  it('has no table when the dates were not shared', () => {
    show(detail(['contact-details', 'diagnosis', 'functional-advice']));
    expect(screen.queryByRole('table', { name: 'Fit notes' })).toBeNull();
    expect(document.body.textContent).not.toContain('Half days');
  });

  it('says how many notes are in the GP record when none were copied in', () => {
    show(detail(['contact-details', 'fit-note-dates'], false));
    expect(screen.queryByRole('table')).toBeNull();
    expect(screen.getByText('1 fit note in the GP record (not copied into the referral)')).toBeTruthy();
  });
});
