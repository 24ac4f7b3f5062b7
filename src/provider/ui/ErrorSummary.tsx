/**
 * NHS.UK error summary: shown at the top of a form when something is wrong, focused when it appears
 * so screen readers announce it; each problem links to its field (`href` '#field-id') when it has one.
 *   <ErrorSummary problems={[{ text: 'Enter a threshold', href: '#threshold' }]} />
 * Renders nothing when there are no problems. Shared by the provider inbox and the IT-lead console.
 */
import { useEffect, useRef } from 'react';

export interface SummaryProblem {
  text: string;
  /** '#id' of the field it is about, when there is one. */
  href?: string;
}

export function ErrorSummary(props: {
  problems: Array<SummaryProblem | string>;
  title?: string;
  /** Move focus to the summary when it appears (default true). */
  focus?: boolean;
  /** The title's id (default `error-summary-title`), for a page with more than one form. */
  titleId?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const list = props.problems.map((p) => (typeof p === 'string' ? { text: p } : p));
  const key = list.map((p) => p.text).join('\n');
  const focus = props.focus ?? true;
  const titleId = props.titleId ?? 'error-summary-title';
  useEffect(() => {
    if (focus && key !== '') ref.current?.focus();
  }, [key, focus]);
  if (list.length === 0) return null;
  return (
    <div className="nhsuk-error-summary" aria-labelledby={titleId} role="alert" tabIndex={-1} ref={ref}>
      <h2 className="nhsuk-error-summary__title" id={titleId}>
        {props.title ?? 'There is a problem'}
      </h2>
      <div className="nhsuk-error-summary__body">
        <ul className="nhsuk-list nhsuk-error-summary__list">
          {list.map((p, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: problems can repeat; their order is stable
            <li key={i}>{p.href ? <a href={p.href}>{p.text}</a> : p.text}</li>
          ))}
        </ul>
      </div>
    </div>
  );
}
