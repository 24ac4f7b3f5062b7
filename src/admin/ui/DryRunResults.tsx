/**
 * The dry run's answer: per rule, the draft's and the live version's prompts a month per full-time GP
 * (grouped bars) with the focus-group study's expected range as a hatched floating bar; a monthly
 * series; and every number again as tables.
 */
import type { ChartData, ChartOptions } from 'chart.js';
import { useMemo } from 'react';
import type { DryRunReport } from '../../domain/dryRun.js';
import { monthWords, oneDecimal } from '../adminApi/window.js';
import { Chart, NHS_COLOURS, SERIES_COLOURS, stripes, TableScroll } from './Chart.js';

const POINT_STYLES = ['circle', 'triangle', 'rect', 'rectRot', 'star', 'crossRot', 'cross', 'dash'] as const;

/** How the draft compares with the study's range, in words (colour is never the only cue). */
export function againstExpected(value: number, expected?: { min: number; max: number }): string {
  if (expected === undefined) return 'No study figure';
  if (value < expected.min) return 'Below the expected range';
  if (value > expected.max) return 'Above the expected range';
  return 'Within the expected range';
}

const short = (title: string) => (title.length > 38 ? `${title.slice(0, 36)}…` : title);

/** A title as lines of at most `width` characters (chart.js draws an array label as lines). */
export function wrapLabel(title: string, width = 24): string[] {
  const lines: string[] = [];
  for (const word of title.split(/\s+/)) {
    const last = lines[lines.length - 1];
    if (last !== undefined && `${last} ${word}`.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

export function DryRunResults(props: {
  report: DryRunReport;
  draftIsLive: boolean;
  draftVersion: number;
  liveVersion: number;
  windowWords: string;
}) {
  const { report } = props;
  const barData = useMemo<ChartData<'bar'>>(
    () => ({
      labels: report.rules.map((r) => wrapLabel(r.title)),
      datasets: [
        {
          label: `Draft (version ${props.draftVersion})`,
          data: report.rules.map((r) => r.draft.perGpPerMonth),
          backgroundColor: NHS_COLOURS.blue,
          borderColor: NHS_COLOURS.darkBlue,
          borderWidth: 1,
        },
        {
          label: `Live (version ${props.liveVersion})`,
          data: report.rules.map((r) => r.live?.perGpPerMonth ?? null),
          backgroundColor: stripes(NHS_COLOURS.warmYellow),
          borderColor: '#8a5c00',
          borderWidth: 1,
        },
        {
          label: 'Expected range (focus-group study)',
          data: report.rules.map((r) =>
            r.expected ? ([r.expected.min, r.expected.max] as [number, number]) : null,
          ),
          backgroundColor: stripes(NHS_COLOURS.grey, '#e8edee'),
          borderColor: NHS_COLOURS.grey,
          borderWidth: 1,
        },
      ],
    }),
    [report, props.draftVersion, props.liveVersion],
  );
  const barOptions = useMemo<ChartOptions<'bar'>>(
    () => ({
      // Bars run across, one group per rule: the rules' titles read on their own lines at any width.
      indexAxis: 'y',
      scales: {
        x: { beginAtZero: true, title: { display: true, text: 'Prompts a month per full-time GP' } },
      },
      plugins: { legend: { position: 'bottom' } },
    }),
    [],
  );

  const lineData = useMemo<ChartData<'line'>>(() => {
    const labels = report.byMonth.map((m) => monthWords(m.month, true));
    const datasets: ChartData<'line'>['datasets'] = [];
    report.rules.forEach((r, i) => {
      const colour = SERIES_COLOURS[i % SERIES_COLOURS.length] ?? NHS_COLOURS.blue;
      const pointStyle = POINT_STYLES[i % POINT_STYLES.length];
      datasets.push({
        label: `${short(r.title)} — draft`,
        data: report.byMonth.map((m) => m.draft[r.ruleId] ?? 0),
        borderColor: colour,
        backgroundColor: colour,
        pointStyle,
        pointRadius: 4,
      });
      if (!props.draftIsLive && r.live)
        datasets.push({
          label: `${short(r.title)} — live`,
          data: report.byMonth.map((m) => m.live[r.ruleId] ?? 0),
          borderColor: colour,
          backgroundColor: '#ffffff',
          borderDash: [6, 4],
          pointStyle,
          pointRadius: 4,
        });
    });
    return { labels, datasets };
  }, [report, props.draftIsLive]);
  const lineOptions = useMemo<ChartOptions<'line'>>(
    () => ({
      scales: { y: { beginAtZero: true, title: { display: true, text: 'Prompts in the month' } } },
      plugins: { legend: { position: 'bottom' } },
    }),
    [],
  );

  return (
    <section aria-labelledby="dr-results" className="nhsuk-u-margin-top-6">
      <h2 className="nhsuk-heading-l" id="dr-results">
        Results: {props.windowWords}
      </h2>
      <p>
        {report.patients.toLocaleString('en-GB')} patients over {oneDecimal(report.months)} months,{' '}
        {oneDecimal(report.fullTimeGps)} full-time GPs
        {report.fullTimeGpsAssumed
          ? ' (assumed: one for every 2,000 patients, as you did not give a number)'
          : ''}
        . Took {oneDecimal(report.elapsedMs / 1000)} seconds.
      </p>
      {props.draftIsLive && (
        <p>
          <strong>The draft is the live version</strong>, so the draft and live figures are the same.
        </p>
      )}

      <h3 className="nhsuk-heading-m">Prompts a month per full-time GP</h3>
      <Chart
        type="bar"
        data={barData}
        options={barOptions}
        height={120 + report.rules.length * 72}
        label="Bar chart: prompts a month per full-time GP for each rule, draft and live, with the focus-group study's expected range. The same numbers are in the table below."
        describedBy="dr-table-caption"
      />
      <TableScroll labelledBy="dr-table-caption">
        <table className="nhsuk-table">
          <caption className="nhsuk-table__caption" id="dr-table-caption">
            Prompts per rule: draft and live
          </caption>
          <thead className="nhsuk-table__head">
            <tr>
              <th scope="col">Rule</th>
              <th scope="col">Draft: a month per 1,000 patients</th>
              <th scope="col">Draft: a month per full-time GP</th>
              <th scope="col">Live: a month per 1,000 patients</th>
              <th scope="col">Live: a month per full-time GP</th>
              <th scope="col">Expected a month per full-time GP</th>
              <th scope="col">Draft against expected</th>
              <th scope="col">Prompts in the period (draft)</th>
            </tr>
          </thead>
          <tbody className="nhsuk-table__body">
            {report.rules.map((r) => (
              <tr key={r.ruleId}>
                <th scope="row">
                  {r.title}
                  {!r.enabledInDraft && (
                    <span className="nhsuk-tag nhsuk-tag--grey nhsuk-u-margin-left-1">Off in draft</span>
                  )}
                </th>
                <td>{oneDecimal(r.draft.per1000PatientsPerMonth)}</td>
                <td>{oneDecimal(r.draft.perGpPerMonth)}</td>
                <td>{r.live ? oneDecimal(r.live.per1000PatientsPerMonth) : 'Not in live'}</td>
                <td>{r.live ? oneDecimal(r.live.perGpPerMonth) : 'Not in live'}</td>
                <td>
                  {r.expected ? (
                    <>
                      {r.expected.min}–{r.expected.max}
                      <span className="nhsuk-body-s" style={{ display: 'block' }}>
                        {r.expected.label}
                      </span>
                    </>
                  ) : (
                    'No study figure'
                  )}
                </td>
                <td>{againstExpected(r.draft.perGpPerMonth, r.expected)}</td>
                <td>{r.draft.prompts.toLocaleString('en-GB')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>

      <h3 className="nhsuk-heading-m">Month by month</h3>
      <Chart
        type="line"
        data={lineData}
        options={lineOptions}
        label="Line chart: prompts in each month for each rule, draft as solid lines and live as dashed lines. The same numbers are in the monthly table."
      />
      <details className="nhsuk-details">
        <summary className="nhsuk-details__summary">
          <span className="nhsuk-details__summary-text">Monthly figures as a table</span>
        </summary>
        <div className="nhsuk-details__text">
          <TableScroll labelledBy="dr-month-caption">
            <table className="nhsuk-table">
              <caption className="nhsuk-table__caption" id="dr-month-caption">
                Prompts each month (draft / live)
              </caption>
              <thead className="nhsuk-table__head">
                <tr>
                  <th scope="col">Month</th>
                  {report.rules.map((r) => (
                    <th scope="col" key={r.ruleId}>
                      {r.title}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody className="nhsuk-table__body">
                {report.byMonth.map((m) => (
                  <tr key={m.month}>
                    <th scope="row">{monthWords(m.month)}</th>
                    {report.rules.map((r) => (
                      <td key={r.ruleId}>
                        {m.draft[r.ruleId] ?? 0} / {m.live[r.ruleId] ?? 0}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        </div>
      </details>
    </section>
  );
}
