import { AUDIT_ACTIONS, auditEventOf } from '../../server/routes/audit.js';
import type { AuditRecord } from '../../server/store/types.js';
import { AUDIT_ACTION_WORDS, auditRows, ukTime } from './audit.js';
import { auditPath } from './calls.js';

describe('the console audit page reading', () => {
  it('knows every action the hub records, in the hub’s words', () => {
    expect(AUDIT_ACTION_WORDS).toEqual(
      Object.fromEntries(Object.entries(AUDIT_ACTIONS).map(([code, a]) => [code, a.display])),
    );
  });

  const base: AuditRecord = {
    id: 7,
    at: Date.UTC(2026, 10, 21, 9, 5, 12),
    action: 'status-changed',
    agent: 'provider-staff/alex',
    outcome: '0',
    referralId: 'ref-123',
    providerId: 'local-oh-service',
    practiceOds: 'A99999',
    detail: { text: 'Accepted by the provider', name: 'Synthetic Staff' },
  } as AuditRecord;

  it.each([
    [
      'a status change by provider staff',
      base,
      {
        id: '7',
        action: 'status-changed',
        what: 'Status changed',
        outcome: 'Success',
        failed: false,
        who: 'Synthetic Staff (provider-staff/alex)',
        referral: 'ref-123',
        provider: 'local-oh-service',
        text: 'Accepted by the provider',
      },
    ],
    [
      'a refused access with no referral',
      {
        ...base,
        action: 'access-refused',
        outcome: '4',
        referralId: undefined,
        providerId: undefined,
        detail: {},
      },
      {
        id: '7',
        action: 'access-refused',
        what: 'Access refused',
        outcome: 'Minor failure',
        failed: true,
        who: 'provider-staff/alex',
      },
    ],
  ])('reads %s', (_name, record, expected) => {
    const bundle = {
      resourceType: 'Bundle' as const,
      type: 'searchset' as const,
      entry: [{ resource: auditEventOf(record as AuditRecord, 'http://hub') }],
    };
    const [row] = auditRows(bundle);
    expect(row).toEqual({ recorded: '2026-11-21T09:05:12.000Z', ...expected });
  });

  it('names the console’s own actions in words', () => {
    const record = { ...base, action: 'config-published', referralId: undefined, providerId: undefined };
    const bundle = {
      resourceType: 'Bundle' as const,
      type: 'searchset' as const,
      entry: [{ resource: auditEventOf(record as AuditRecord, 'http://hub') }],
    };
    expect(auditRows(bundle)[0]?.what).toBe('Practice settings version published');
  });

  it('shows times in UK time', () => {
    expect(ukTime('2026-07-01T08:00:00Z')).toBe('1 Jul 2026, 09:00:00');
  });

  it.each([
    [{ count: 50 }, false, '/audit?_count=50'],
    [
      { count: 100, action: 'status-changed', provider: ' local-oh-service ', since: '2026-11-01' },
      true,
      '/audit?action=status-changed&provider=local-oh-service&since=2026-11-01&_count=100&format=csv',
    ],
    [{ count: 10, referral: '', until: '2026-11-21' }, false, '/audit?until=2026-11-21&_count=10'],
  ])('asks the hub for %j (csv %s)', (query, csv, expected) => {
    expect(auditPath(query, csv)).toBe(expected);
  });
});
