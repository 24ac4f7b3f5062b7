/**
 * The prompt as the GP will see it, filled with sample values: the same summary (renderSummary, as the
 * hub's card does), the same "Why" line, "What the practice says" (detail and source) and providers,
 * in the GP app's dialog markup and classes (src/app/ui/PromptDialog.tsx), drawn in place rather than
 * as a modal. Its buttons are pictures of the GP's choices, not controls.
 */
import { renderSummary, type TemplateVariable } from '../../domain/rules.js';
import type { ProviderChoice } from '../api.js';
import { sampleReason } from './RulesModel.js';

export interface CardPreviewProps {
  summary: string;
  detail: string;
  indicator: string;
  sourceLabel: string;
  sourceUrl: string;
  providers: readonly string[];
  directory: readonly ProviderChoice[];
  values: Record<TemplateVariable, string>;
}

export function CardPreview(props: CardPreviewProps) {
  const summary = renderSummary(props.summary, props.values);
  const named = props.providers.map(
    (id) => props.directory.find((p) => p.id === id) ?? { id, name: id, status: 'closed' },
  );
  const shown = named.filter((p) => p.status === 'active');
  return (
    <figure className="ad-card-preview" aria-label="Preview of the prompt">
      <div className={`fp-dialog ad-card-preview__card ad-card-preview__card--${props.indicator}`}>
        <p className="nhsuk-heading-s fp-dialog__title ad-card-preview__summary">
          {summary || '(no summary yet)'}
        </p>
        <p className="fp-reason">
          <strong className="nhsuk-tag nhsuk-tag--blue fp-tag">Why</strong> {sampleReason(props.values)}
        </p>
        <div className="fp-details ad-card-preview__details">
          <p className="ad-card-preview__details-title">What the practice says</p>
          {props.detail.trim() !== '' && <p>{props.detail}</p>}
          <p className="fp-source">
            Source:{' '}
            {props.sourceUrl.trim() !== '' ? (
              <a href={props.sourceUrl} target="_blank" rel="noopener noreferrer">
                {props.sourceLabel || '(no source yet)'} (opens in a new tab)
              </a>
            ) : (
              props.sourceLabel || '(no source yet)'
            )}
          </p>
        </div>
        <p className="nhsuk-heading-xs fp-subheading">Providers</p>
        {shown.length === 0 ? (
          <p>No provider is chosen or open: the GP can still refer.</p>
        ) : (
          <ul className="nhsuk-list fp-compact-list">
            {shown.map((p) => (
              <li key={p.id}>
                <strong>{p.name}</strong>
              </li>
            ))}
          </ul>
        )}
        <p className="fp-actions ad-card-preview__actions">
          <span className="nhsuk-u-visually-hidden">The GP’s choices: </span>
          <span className="ad-card-preview__button">Refer now</span>
          <span className="ad-card-preview__button ad-card-preview__button--secondary">
            Give self-referral details
          </span>
          <span className="ad-card-preview__button ad-card-preview__button--secondary">Not now</span>
          <span className="ad-card-preview__button ad-card-preview__button--secondary">Not appropriate</span>
        </p>
      </div>
      <figcaption className="ad-hint">
        Filled in for a sample patient: {summary.length} of 140 characters. Paused and closed providers are
        not shown to GPs.
      </figcaption>
    </figure>
  );
}
