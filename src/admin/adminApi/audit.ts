/**
 * The audit page's reading of GET /audit (a FHIR searchset Bundle of AuditEvent, newest first) into
 * rows, and the hub's audit actions in words for the filter. The list mirrors AUDIT_ACTIONS in
 * src/server/routes/audit.ts (server code, not bundled for the browser); audit.test.ts keeps them equal.
 */
import type { AuditEvent, Bundle } from '@medplum/fhirtypes';

export const AUDIT_ACTION_WORDS: Record<string, string> = {
  'referral-accepted': 'Referral accepted from the GP',
  'delivery-attempt': 'Delivery attempt to the provider',
  'delivery-succeeded': 'Delivered to the provider',
  'delivery-failed': 'Delivery given up',
  'status-changed': 'Status changed',
  'cancellation-requested': 'Cancellation requested by the GP',
  'inbox-view': 'Referral viewed in the provider inbox',
  'config-read': 'Practice settings read',
  'access-refused': 'Access refused',
  'audit-read': 'Audit trail read',
  'config-saved': 'Practice settings version saved',
  'config-published': 'Practice settings version published',
  'prompt-feedback': 'GP answers to prompts recorded',
  'provider-connection-test': "Connection to a provider's system tested",
  'dry-run': "Dry run over patients' records",
  'records-uploaded': "Patients' records uploaded for a dry run",
};

const OUTCOME_WORDS: Record<string, string> = {
  '0': 'Success',
  '4': 'Minor failure',
  '8': 'Serious failure',
  '12': 'Major failure',
};

export interface AuditRow {
  id: string;
  recorded: string;
  action: string;
  what: string;
  outcome: string;
  failed: boolean;
  who: string;
  referral?: string;
  provider?: string;
  text?: string;
}

export function auditRows(bundle: Bundle): AuditRow[] {
  return (bundle.entry ?? []).flatMap((entry) => {
    const e = entry.resource as AuditEvent | undefined;
    if (e?.resourceType !== 'AuditEvent') return [];
    const subtype = e.subtype?.[0];
    const action = subtype?.code ?? '';
    const referral = e.entity?.find((x) => x.what?.type === 'ServiceRequest')?.what?.identifier?.value;
    const provider = e.entity?.find((x) => x.what?.type === 'Organization')?.what?.identifier?.value;
    const agent = e.agent?.[0];
    const who = agent?.who?.display ?? agent?.who?.identifier?.value ?? '';
    const agentId = agent?.who?.identifier?.value;
    return [
      {
        id: e.id ?? '',
        recorded: e.recorded ?? '',
        action,
        what: subtype?.display ?? AUDIT_ACTION_WORDS[action] ?? action,
        outcome: OUTCOME_WORDS[e.outcome ?? '0'] ?? String(e.outcome),
        failed: (e.outcome ?? '0') !== '0',
        who: agentId !== undefined && agentId !== who ? `${who} (${agentId})` : who,
        ...(referral !== undefined ? { referral } : {}),
        ...(provider !== undefined ? { provider } : {}),
        ...(e.outcomeDesc !== undefined ? { text: e.outcomeDesc } : {}),
      },
    ];
  });
}

/** An ISO instant as UK time, e.g. "21 Nov 2026, 09:05:12". */
export function ukTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('en-GB', {
    timeZone: 'Europe/London',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}
