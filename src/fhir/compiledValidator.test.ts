import { getDataType, parseStructureDefinition } from '@medplum/core';
import type { Resource, StructureDefinition } from '@medplum/fhirtypes';
import { PROFILE } from '../domain/codes.js';
import { structurallyValid } from './compiledValidator.js';
import { getProfile, listExamples } from './profiles.js';
import { validateAgainstProfile, validateAgainstProfileFast } from './validate.js';

// The exact validator indexes Medplum's base definitions (and records the profile's parsed-once check).
const example = (id: string) => structuredClone(listExamples().find((r) => r.id === id)) as Resource;
validateAgainstProfile(example('task-referral-peter'), PROFILE.referralTask);
const taskSchema = parseStructureDefinition(getProfile(PROFILE.referralTask) as StructureDefinition);

type Task = Record<string, unknown>;

describe('structurallyValid', () => {
  it('recognises a conforming Task, against the profile and against the base type', () => {
    expect(structurallyValid(example('task-referral-peter'), taskSchema)).toBe(true);
    expect(structurallyValid(example('task-referral-peter'), getDataType('Task'))).toBe(true);
  });

  it.each<[string, (t: Task) => void]>([
    ['an unknown element', (t) => (t.statusText = 'x')],
    ['a missing required element', (t) => delete t.intent],
    ['a list where one value belongs', (t) => (t.status = ['requested', 'accepted'])],
    ['a number where text belongs', (t) => (t.status = 42)],
    ['a date that is not a date', (t) => (t.authoredOn = '2026-02-30T25:61:00')],
    ['a blank string', (t) => (t.status = '  ')],
    ['an intent the profile fixes otherwise', (t) => (t.intent = 'proposal')],
    // Not modelled, so "not sure": the exact validator decides.
    ['an empty string', (t) => (t.description = '')],
    ['an empty list', (t) => (t.note = [])],
    ['a null', (t) => (t.description = null)],
    ['a primitive extension', (t) => (t._status = { extension: [{ url: 'http://example.org/x' }] })],
  ])('is not sure of a Task with %s', (_label, breakIt) => {
    const task = example('task-referral-peter') as unknown as Task;
    breakIt(task);
    expect(structurallyValid(task as unknown as Resource, taskSchema)).toBe(false);
  });
});

describe('validateAgainstProfileFast', () => {
  it.each([
    ['a conforming Task', (_t: Task) => {}],
    ['a Task with an unknown element', (t: Task) => (t.statusText = 'x')],
    ['a Task with a status outside the value set', (t: Task) => (t.status = 'draft')],
    ['a Task with a reference that is not text', (t: Task) => (t.focus = { reference: 42 })],
  ])('gives the exact validator’s issues for %s', (_label, change) => {
    const task = example('task-referral-peter') as unknown as Task;
    change(task);
    const exact = validateAgainstProfile(structuredClone(task) as unknown as Resource, PROFILE.referralTask);
    const fast = validateAgainstProfileFast(task as unknown as Resource, PROFILE.referralTask);
    expect(fast).toEqual(exact);
  });
});
