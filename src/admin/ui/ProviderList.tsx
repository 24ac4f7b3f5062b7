/**
 * The practice's providers as cards: status in words, services, delivery, when last checked (flagged
 * after 90 days, the domain's isStale), with Pause / Resume straight from the list.
 */

import { longDate } from '../../domain/dates.js';
import { SERVICE_TYPE_LABELS } from '../../domain/directory.js';
import { isStale } from '../../domain/eligibility.js';
import { effectiveStatus, type ProviderJson } from '../adminApi/providerForm.js';

const DELIVERY: Record<string, string> = {
  'hub-inbox': 'Referral hub inbox',
  'fhir-rest': 'FHIR REST',
  'bars-message': 'BaRS message',
};

const TAG: Record<string, string> = {
  open: 'nhsuk-tag--green',
  paused: 'nhsuk-tag--yellow',
  closed: 'nhsuk-tag--grey',
  'not-yet-open': 'nhsuk-tag--blue',
};

export function ProviderList(props: {
  providers: ProviderJson[];
  today: string;
  busy: boolean;
  navigate(path: string): void;
  setStatus(id: string, status: 'open' | 'paused'): void;
}) {
  const stale = props.providers.filter((p) =>
    isStale({ lastVerified: String(p.lastVerified ?? '') }, props.today),
  );
  return (
    <>
      {stale.length > 0 && (
        <div className="nhsuk-warning-callout">
          <h2 className="nhsuk-warning-callout__label">
            <span>
              <span className="nhsuk-u-visually-hidden">Important: </span>
              {stale.length === 1 ? '1 provider' : `${stale.length} providers`} not verified for 90 days
            </span>
          </h2>
          <p>Check their details with the service, then mark them as verified today.</p>
        </div>
      )}
      {props.providers.length === 0 && <p>There are no providers in the directory yet.</p>}
      <ul className="nhsuk-list" aria-label="Providers">
        {props.providers.map((p) => {
          const id = String(p.id);
          const status = effectiveStatus(p, props.today);
          const old = isStale({ lastVerified: String(p.lastVerified ?? '') }, props.today);
          const services = Array.isArray(p.services)
            ? (p.services as string[]).map(
                (s) => SERVICE_TYPE_LABELS[s as keyof typeof SERVICE_TYPE_LABELS] ?? s,
              )
            : [];
          const mode = String((p.endpoint as { mode?: string } | undefined)?.mode ?? '');
          return (
            <li key={id} className="nhsuk-card nhsuk-u-margin-bottom-4" data-provider={id}>
              <div className="nhsuk-card__content">
                <h2 className="nhsuk-card__heading nhsuk-heading-m">
                  <a
                    href={`/admin/providers/${encodeURIComponent(id)}`}
                    onClick={(e) => {
                      e.preventDefault();
                      props.navigate(`providers/${encodeURIComponent(id)}`);
                    }}
                  >
                    {String(p.name)}
                    <span className="nhsuk-u-visually-hidden">: edit</span>
                  </a>
                </h2>
                <p className="nhsuk-u-margin-bottom-2">
                  <strong className={`nhsuk-tag ${TAG[status.kind]}`}>{status.words}</strong>{' '}
                  {old && <strong className="nhsuk-tag nhsuk-tag--red">Not verified for 90 days</strong>}
                </p>
                <dl className="nhsuk-summary-list nhsuk-u-margin-bottom-3">
                  <Row label="Id" value={id} />
                  <Row label="Services" value={services.join(', ')} />
                  <Row label="Delivery" value={DELIVERY[mode] ?? mode} />
                  <Row
                    label="Last checked"
                    value={typeof p.lastVerified === 'string' ? longDate(p.lastVerified) : 'Never'}
                  />
                </dl>
                {(status.kind === 'open' || status.kind === 'not-yet-open') && p.status === 'open' && (
                  <button
                    type="button"
                    className="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0"
                    disabled={props.busy}
                    onClick={() => props.setStatus(id, 'paused')}
                  >
                    Pause<span className="nhsuk-u-visually-hidden"> {String(p.name)}</span>
                  </button>
                )}
                {p.status === 'paused' && (
                  <button
                    type="button"
                    className="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0"
                    disabled={props.busy}
                    onClick={() => props.setStatus(id, 'open')}
                  >
                    Resume<span className="nhsuk-u-visually-hidden"> {String(p.name)}</span>
                  </button>
                )}
              </div>
            </li>
          );
        })}
      </ul>
    </>
  );
}

function Row({ label, value }: { label: string; value: string }) {
  return (
    <div className="nhsuk-summary-list__row">
      <dt className="nhsuk-summary-list__key">{label}</dt>
      <dd className="nhsuk-summary-list__value">{value}</dd>
    </div>
  );
}
