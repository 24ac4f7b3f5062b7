import type { PromptFeedback } from '../../domain/evaluate.js';
import { feedbackKey, LocalStorageFeedbackStore, MemoryFeedbackStore, patientKeyOf } from './store.js';

class FakeStorage {
  data = new Map<string, string>();
  failWrites = false;
  getItem(key: string): string | null {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    if (this.failWrites) throw new Error('QuotaExceededError');
    this.data.set(key, value);
  }
  removeItem(key: string): void {
    this.data.delete(key);
  }
}

const declined: PromptFeedback = {
  card: 'c1',
  outcome: 'overridden',
  outcomeTimestamp: '2026-11-21T10:00:00.000Z',
  overrideReason: { reason: { system: 's', code: 'patient-declined' } },
};
const snoozed: PromptFeedback = {
  card: 'c2',
  outcome: 'snoozed',
  outcomeTimestamp: '2026-11-21T10:01:00.000Z',
  snooze: { untilNextNote: true, latestIssued: '2026-11-21' },
};

describe('LocalStorageFeedbackStore', () => {
  it('keeps feedback per patient under a namespaced key, across store instances', () => {
    const storage = new FakeStorage();
    new LocalStorageFeedbackStore({ storage }).record('nhs:9990000042', declined);
    new LocalStorageFeedbackStore({ storage }).record('nhs:9990000042', snoozed);
    const again = new LocalStorageFeedbackStore({ storage });
    expect(again.list('nhs:9990000042')).toEqual([declined, snoozed]);
    expect(again.list('nhs:9990000050')).toEqual([]);
    expect([...storage.data.keys()]).toEqual([feedbackKey('nhs:9990000042')]);
    expect(feedbackKey('x')).toBe('fitnote-prompt:feedback:v1:x');
  });

  it.each([
    ['not JSON', '{oops', 'not valid JSON'],
    ['not a list', '{"card":"c1"}', 'not a list'],
  ])('reports and resets a corrupt entry (%s) instead of crashing', (_name, text, why) => {
    const storage = new FakeStorage();
    storage.data.set(feedbackKey('p'), text);
    const problems: string[] = [];
    const store = new LocalStorageFeedbackStore({ storage, onProblem: (m) => problems.push(m) });
    expect(store.list('p')).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(why);
    expect(storage.data.has(feedbackKey('p'))).toBe(false);
    store.record('p', declined);
    expect(JSON.parse(storage.data.get(feedbackKey('p')) as string)).toEqual([declined]);
  });

  it('drops unreadable entries in a list and keeps the good ones', () => {
    const storage = new FakeStorage();
    storage.data.set(feedbackKey('p'), JSON.stringify([declined, { card: 3 }, null]));
    const problems: string[] = [];
    const store = new LocalStorageFeedbackStore({ storage, onProblem: (m) => problems.push(m) });
    expect(store.list('p')).toEqual([declined]);
    expect(problems[0]).toMatch(/^2 saved answer/);
    expect(JSON.parse(storage.data.get(feedbackKey('p')) as string)).toEqual([declined]);
  });

  it('keeps acceptedSuggestions across instances and drops an entry whose acceptedSuggestions are malformed', () => {
    const storage = new FakeStorage();
    const accepted = {
      card: 'card-2',
      outcome: 'accepted' as const,
      outcomeTimestamp: '2026-11-21T10:00:00.000Z',
      acceptedSuggestions: [{ id: 'suggestion-1' }],
    };
    new LocalStorageFeedbackStore({ storage }).record('p', accepted);
    expect(new LocalStorageFeedbackStore({ storage }).list('p')).toEqual([accepted]);
    storage.data.set(
      feedbackKey('q'),
      JSON.stringify([
        accepted,
        { ...accepted, acceptedSuggestions: [{ id: 7 }] },
        { ...accepted, acceptedSuggestions: 'x' },
      ]),
    );
    const problems: string[] = [];
    expect(new LocalStorageFeedbackStore({ storage, onProblem: (m) => problems.push(m) }).list('q')).toEqual([
      accepted,
    ]);
    expect(problems[0]).toMatch(/^2 saved answer/);
  });

  it('still counts feedback for this session when the browser refuses to save it', () => {
    const storage = new FakeStorage();
    storage.failWrites = true;
    const problems: string[] = [];
    const store = new LocalStorageFeedbackStore({ storage, onProblem: (m) => problems.push(m) });
    store.record('p', declined);
    expect(store.list('p')).toEqual([declined]);
    expect(problems[0]).toContain('could not be saved');
  });
});

describe('MemoryFeedbackStore and patientKeyOf', () => {
  it('keeps feedback in memory', () => {
    const store = new MemoryFeedbackStore();
    store.record('a', declined);
    expect(store.list('a')).toEqual([declined]);
    expect(store.list('b')).toEqual([]);
  });
  it.each([
    [{ id: 'peter', nhsNumber: '9990000042' }, undefined, 'nhs:9990000042'],
    [{ id: 'x' }, 'http://h/fhir/', 'http://h/fhir/Patient/x'],
    [{ id: 'x' }, undefined, 'Patient/x'],
  ])('patientKeyOf(%j, %s) = %s', (patient, base, key) => {
    expect(patientKeyOf(patient, base)).toBe(key);
  });
});
