import type { RecordReferral } from './record.js';
import { existingReferrals } from './referrals.js';

const sr = (extra: Partial<RecordReferral> = {}): RecordReferral => ({
  ref: 'ServiceRequest/1',
  status: 'active',
  identifier: 'abc',
  authoredOn: '2026-11-01',
  ...extra,
});
const task = (extra: Partial<RecordReferral> = {}): RecordReferral => ({
  ref: 'Task/1',
  status: 'requested',
  identifier: 'abc',
  authoredOn: '2026-11-01',
  ...extra,
});

describe('existingReferrals', () => {
  it.each<[string, RecordReferral[], Array<{ ref: string; active: boolean; authoredOn: string }>]>([
    ['none', [], []],
    [
      'an active ServiceRequest alone',
      [sr()],
      [{ ref: 'ServiceRequest/1', active: true, authoredOn: '2026-11-01' }],
    ],
    [
      'a completed ServiceRequest',
      [sr({ status: 'completed' })],
      [{ ref: 'ServiceRequest/1', active: false, authoredOn: '2026-11-01' }],
    ],
    [
      'the Task decides: rejected',
      [sr(), task({ status: 'rejected' })],
      [{ ref: 'ServiceRequest/1', active: false, authoredOn: '2026-11-01' }],
    ],
    [
      'the Task decides: in progress',
      [sr({ status: 'completed' }), task({ status: 'in-progress' })],
      [{ ref: 'ServiceRequest/1', active: true, authoredOn: '2026-11-01' }],
    ],
    [
      'a Task alone',
      [task({ status: 'accepted' })],
      [{ ref: 'Task/1', active: true, authoredOn: '2026-11-01' }],
    ],
    [
      'two referrals stay two',
      [sr(), sr({ ref: 'ServiceRequest/2', identifier: 'def', status: 'revoked' })],
      [
        { ref: 'ServiceRequest/1', active: true, authoredOn: '2026-11-01' },
        { ref: 'ServiceRequest/2', active: false, authoredOn: '2026-11-01' },
      ],
    ],
    [
      'no date: placed at its episode start',
      [sr({ authoredOn: undefined, episodeStart: '2026-10-20' })],
      [{ ref: 'ServiceRequest/1', active: true, authoredOn: '2026-10-20' }],
    ],
    ['no date at all: cannot suppress', [sr({ authoredOn: undefined })], []],
  ])('%s', (_name, referrals, expected) => {
    expect(existingReferrals({ referrals })).toEqual(expected);
  });
});
