/** @jest-environment jsdom */
import { readFileSync } from 'node:fs';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import type { ProviderJson } from '../adminApi/providerForm.js';
import { ProviderForm } from './ProviderForm.js';

afterEach(cleanup);
// jsdom draws no canvas: the charts stay empty and the tables carry the numbers.
beforeAll(() => {
  HTMLCanvasElement.prototype.getContext = (() => null) as never;
});

const providers = (
  JSON.parse(readFileSync('examples/directory.json', 'utf8')) as { providers: ProviderJson[] }
).providers;
const oh = providers[0] as ProviderJson;

function setUp(initial: ProviderJson, index = 0) {
  const save = jest.fn(async (_: ProviderJson) => {});
  render(
    <ProviderForm
      initial={initial}
      isNew={index < 0}
      providers={providers}
      index={index}
      today="2026-11-21"
      save={save}
      cancel={() => undefined}
    />,
  );
  return save;
}

const submit = async () => {
  await act(async () => {
    fireEvent.click(screen.getByRole('button', { name: 'Save and publish' }));
  });
};

describe('ProviderForm', () => {
  it('saves the provider as the schema has it, with the changes made', async () => {
    const save = setUp(oh);
    fireEvent.click(screen.getByLabelText('Paused'));
    fireEvent.click(screen.getByRole('button', { name: 'Mark as verified today' }));
    fireEvent.change(screen.getByLabelText('Typical wait for a first appointment, in days'), {
      target: { value: '21' },
    });
    fireEvent.click(screen.getByLabelText('Retired'));
    await submit();
    expect(save).toHaveBeenCalledTimes(1);
    const saved = save.mock.calls[0]?.[0] as ProviderJson;
    expect(saved).toEqual({
      ...oh,
      status: 'paused',
      lastVerified: '2026-11-21',
      waitingTimeDays: 21,
      eligibility: {
        ...(oh.eligibility as object),
        employmentStatus: ['employed', 'self-employed', 'retired'],
      },
    });
  });

  it('refuses an empty name and a wait in words, next to the fields and in the summary, and saves nothing', async () => {
    const save = setUp(oh);
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: '  ' } });
    fireEvent.change(screen.getByLabelText('Typical wait for a first appointment, in days'), {
      target: { value: 'two weeks' },
    });
    await submit();
    expect(save).not.toHaveBeenCalled();
    const summary = screen.getByRole('alert');
    expect([...summary.querySelectorAll('a')].map((a) => [a.textContent, a.getAttribute('href')])).toEqual([
      ['Name must not be empty', '#p-name'],
      ['Typical wait should be a number, not "two weeks"', '#p-waitingTimeDays'],
    ]);
    expect(document.getElementById('p-name-error')?.textContent).toBe('Error: Name must not be empty');
    expect(screen.getByLabelText('Name').getAttribute('aria-describedby')).toBe('p-name-error');
  });

  it('asks for the server address when delivery moves from the inbox to a FHIR server', async () => {
    const coach = providers.find((p) => p.id === 'work-coach-service') as ProviderJson;
    const save = setUp(coach, providers.indexOf(coach));
    expect(screen.queryByLabelText('FHIR server address')).toBeNull();
    fireEvent.click(screen.getByLabelText('The provider’s FHIR server (FHIR REST)'));
    await submit();
    expect(save).not.toHaveBeenCalled();
    expect(document.getElementById('p-endpoint-baseUrl-error')?.textContent).toMatch(/FHIR server address/);
    fireEvent.change(screen.getByLabelText('FHIR server address'), {
      target: { value: 'https://coach.example.org/fhir' },
    });
    await submit();
    expect((save.mock.calls[0]?.[0] as ProviderJson | undefined)?.endpoint).toEqual({
      mode: 'fhir-rest',
      baseUrl: 'https://coach.example.org/fhir',
    });
  });
});
