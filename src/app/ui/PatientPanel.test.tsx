/** @jest-environment jsdom */
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { currentEpisode, episodesOf } from '../../domain/episodes.js';
import { PatientBanner } from './PatientBanner.js';
import { PatientPanel } from './PatientPanel.js';
import { sampleContext, sampleRecord, TODAY } from './testSupport.js';

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
