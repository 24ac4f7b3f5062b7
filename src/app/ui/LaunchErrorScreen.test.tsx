/** @jest-environment jsdom */
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { LAUNCH_ERROR_COPY, LaunchErrorScreen } from './LaunchErrorScreen.js';
import { LAUNCH_FAILURE_KINDS } from './types.js';

afterEach(cleanup);

describe('LaunchErrorScreen', () => {
  it.each(LAUNCH_FAILURE_KINDS.map((kind) => [kind]))(
    '%s has its own heading, what happened and what to do',
    (kind) => {
      render(<LaunchErrorScreen failure={{ kind, detail: `detail for ${kind}` }} onRetry={() => {}} />);
      const heading = screen.getByRole('heading', { level: 1 });
      const copy = LAUNCH_ERROR_COPY[kind];
      expect(heading.textContent).toBe(copy.title);
      expect(document.activeElement).toBe(heading);
      expect(screen.getByText(copy.happened)).toBeTruthy();
      expect(screen.getByText(copy.next)).toBeTruthy();
      expect(screen.getByText(`detail for ${kind}`)).toBeTruthy();
      expect(screen.queryByRole('button', { name: 'Try again' }) !== null).toBe(copy.retry);
    },
  );

  it('gives every kind a different title', () => {
    const titles = LAUNCH_FAILURE_KINDS.map((k) => LAUNCH_ERROR_COPY[k].title);
    expect(new Set(titles).size).toBe(titles.length);
  });

  it('tells the GP to open the app again from the record when state is lost on reload', () => {
    render(<LaunchErrorScreen failure={{ kind: 'state-lost', detail: '' }} />);
    expect(screen.getByText('Open the app again from the patient’s record.')).toBeTruthy();
    expect(screen.queryByText('More detail')).toBeNull();
  });

  it('Try again calls onRetry for a slow record', () => {
    const onRetry = jest.fn();
    render(
      <LaunchErrorScreen failure={{ kind: 'fhir-slow', detail: 'timed out after 8 s' }} onRetry={onRetry} />,
    );
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(onRetry).toHaveBeenCalledTimes(1);
  });
});
