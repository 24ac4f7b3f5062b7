/**
 * /admin/figures: what GPs did with the prompts (per rule: shown, acted on, self-referral details
 * given, snoozed, overridden by reason) and what became of the referrals (per provider: sent,
 * accepted, rejected by reason, completed, median days to acknowledgement), for a window of months.
 * Charts, the same numbers as tables, and a CSV download. Counts come from the hub (GET
 * /admin/api/figures), which computes them from the recorded events.
 */
import type { ChartData, ChartOptions } from 'chart.js';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { londonDateOf } from '../../domain/dates.js';
import { addMonths, type FiguresReport, type PromptCounts } from '../../domain/figures.js';
import { ErrorSummary, type SummaryProblem } from '../../provider/ui/ErrorSummary.js';
import { downloadFigures, getFigures, getMe } from '../adminApi/calls.js';
import { problemsOf } from '../adminApi/problems.js';
import { monthWords, oneDecimal } from '../adminApi/window.js';
import { Chart, NHS_COLOURS, stripes, TableScroll } from './Chart.js';

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

const PROMPT_SERIES: Array<{ key: keyof Omit<PromptCounts, 'overriddenByReason'>; label: string }> = [
  { key: 'shown', label: 'Shown' },
  { key: 'referred', label: 'Acted on (referral sent)' },
  { key: 'selfReferral', label: 'Self-referral details given' },
  { key: 'snoozed', label: 'Snoozed' },
  { key: 'overridden', label: 'Overridden' },
];

const SERIES_FILL: Array<() => string | CanvasPattern> = [
  () => NHS_COLOURS.blue,
  () => NHS_COLOURS.green,
  () => stripes(NHS_COLOURS.aquaGreen),
  () => stripes(NHS_COLOURS.warmYellow),
  () => NHS_COLOURS.red,
];

export function FiguresPage(props: { route: string[]; navigate(path: string): void }) {
  void props.route;
  const thisMonth = londonDateOf(new Date()).slice(0, 7);
  const [from, setFrom] = useState(addMonths(thisMonth, -5));
  const [to, setTo] = useState(thisMonth);
  const [report, setReport] = useState<FiguresReport | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [problems, setProblems] = useState<SummaryProblem[]>([]);
  const [ods, setOds] = useState<string | undefined>(undefined);

  const load = useCallback(async (f: string, t: string) => {
    setLoading(true);
    try {
      setReport(await getFigures(f, t));
      setProblems([]);
    } catch (error) {
      setProblems(problemsOf(error).map((text) => ({ text })));
    } finally {
      setLoading(false);
    }
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the first window only; later ones on Show
  useEffect(() => {
    document.title = 'Figures – IT-lead console';
    void load(from, to);
    getMe().then(
      (me) => setOds(me.practiceOds),
      () => undefined,
    );
  }, [load]);

  function show(e: React.FormEvent) {
    e.preventDefault();
    const found: SummaryProblem[] = [];
    if (!MONTH.test(from.trim()))
      found.push({ text: 'Enter the first month as YYYY-MM, for example 2026-06', href: '#fg-from' });
    if (!MONTH.test(to.trim()))
      found.push({ text: 'Enter the last month as YYYY-MM, for example 2026-11', href: '#fg-to' });
    if (found.length === 0 && from.trim() > to.trim())
      found.push({ text: 'The first month is after the last month: swap them', href: '#fg-from' });
    setProblems(found);
    if (found.length === 0) void load(from.trim(), to.trim());
  }

  async function download() {
    if (!report) return;
    try {
      await downloadFigures(ods ?? 'practice', report.from, report.to);
    } catch (error) {
      setProblems(problemsOf(error).map((text) => ({ text })));
    }
  }

  return (
    <>
      <ErrorSummary problems={problems} />
      <h1 className="nhsuk-heading-l">Figures</h1>
      <p>
        Whether GPs act on each rule’s prompts or set them aside, and what happens to the referrals: the
        numbers that tell you whether a rule is worth its interruptions.
      </p>
      <form onSubmit={show} noValidate className="nhsuk-u-margin-bottom-5">
        <div style={{ display: 'flex', gap: '1rem', flexWrap: 'wrap', alignItems: 'flex-end' }}>
          <div className="nhsuk-form-group nhsuk-u-margin-bottom-0">
            <label className="nhsuk-label" htmlFor="fg-from">
              From month
            </label>
            <div className="nhsuk-hint" id="fg-from-hint">
              For example 2026-06
            </div>
            <input
              className="nhsuk-input nhsuk-input--width-10"
              id="fg-from"
              value={from}
              aria-describedby="fg-from-hint"
              onChange={(e) => setFrom(e.target.value)}
            />
          </div>
          <div className="nhsuk-form-group nhsuk-u-margin-bottom-0">
            <label className="nhsuk-label" htmlFor="fg-to">
              To month
            </label>
            <div className="nhsuk-hint" id="fg-to-hint">
              Including this month
            </div>
            <input
              className="nhsuk-input nhsuk-input--width-10"
              id="fg-to"
              value={to}
              aria-describedby="fg-to-hint"
              onChange={(e) => setTo(e.target.value)}
            />
          </div>
          <button type="submit" className="nhsuk-button nhsuk-u-margin-bottom-0">
            Show figures
          </button>
        </div>
      </form>
      <div aria-live="polite">
        {loading && <p role="status">Counting…</p>}
        {!loading && report && <FiguresReportView report={report} download={() => void download()} />}
      </div>
    </>
  );
}

function isEmpty(report: FiguresReport): boolean {
  const p = report.totals.prompts;
  return (
    p.shown + p.referred + p.selfReferral + p.snoozed + p.overridden === 0 &&
    report.totals.referrals.sent === 0
  );
}

export function FiguresReportView({ report, download }: { report: FiguresReport; download(): void }) {
  const window = `${monthWords(report.from)} to ${monthWords(report.to)}`;
  const ruleData = useMemo<ChartData<'bar'>>(
    () => ({
      labels: report.rules.map((r) => r.title ?? r.ruleId),
      datasets: PROMPT_SERIES.map((s, i) => ({
        label: s.label,
        data: report.rules.map((r) => r.totals[s.key]),
        backgroundColor: (SERIES_FILL[i] ?? (() => NHS_COLOURS.grey))(),
        borderColor: NHS_COLOURS.darkBlue,
        borderWidth: 1,
      })),
    }),
    [report],
  );
  const providerData = useMemo<ChartData<'bar'>>(
    () => ({
      labels: report.providers.map((p) => p.name ?? p.providerId),
      datasets: [
        {
          label: 'Sent',
          data: report.providers.map((p) => p.totals.sent),
          backgroundColor: NHS_COLOURS.blue,
        },
        {
          label: 'Accepted',
          data: report.providers.map((p) => p.totals.accepted),
          backgroundColor: stripes(NHS_COLOURS.green),
        },
        {
          label: 'Rejected',
          data: report.providers.map((p) => p.totals.rejected),
          backgroundColor: NHS_COLOURS.red,
        },
        {
          label: 'Completed',
          data: report.providers.map((p) => p.totals.completed),
          backgroundColor: stripes(NHS_COLOURS.purple),
        },
      ].map((d) => ({ ...d, borderColor: NHS_COLOURS.darkBlue, borderWidth: 1 })),
    }),
    [report],
  );
  const options = useMemo<ChartOptions<'bar'>>(
    () => ({
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { position: 'bottom' } },
    }),
    [],
  );

  if (isEmpty(report))
    return (
      <div className="nhsuk-card">
        <div className="nhsuk-card__content">
          <h2 className="nhsuk-card__heading nhsuk-heading-m">Nothing recorded for {window}</h2>
          <p className="nhsuk-card__description">
            No GP has seen a prompt in this period yet. Once GPs see prompts, this page shows for each rule
            how many were shown, acted on with a referral, answered with self-referral details, snoozed or
            overridden (and why), and for each provider how many referrals were sent, accepted, rejected and
            completed.
          </p>
        </div>
      </div>
    );

  const usedOverride = report.overrideReasons.filter(
    (r) => (report.totals.prompts.overriddenByReason[r.code] ?? 0) > 0,
  );
  const usedDecline = report.declineReasons.filter(
    (r) => (report.totals.referrals.rejectedByReason[r.code] ?? 0) > 0,
  );

  return (
    <>
      <h2 className="nhsuk-heading-l">{window}</h2>
      <button type="button" className="nhsuk-button nhsuk-button--secondary" onClick={download}>
        Download CSV<span className="nhsuk-u-visually-hidden"> of the figures for {window}</span>
      </button>

      <h3 className="nhsuk-heading-m">Prompts, by rule</h3>
      <p className="nhsuk-body-s">
        Each prompt counts once a month, however many times the GP opened the record. A prompt can be shown in
        one month and acted on in the next.
      </p>
      <Chart
        type="bar"
        data={ruleData}
        options={options}
        label="Bar chart: for each rule, prompts shown, acted on, self-referral details given, snoozed and overridden. The same numbers are in the table below."
        describedBy="fg-rules-caption"
      />
      <TableScroll labelledBy="fg-rules-caption">
        <table className="nhsuk-table">
          <caption className="nhsuk-table__caption" id="fg-rules-caption">
            Prompts by rule, {window}
          </caption>
          <thead className="nhsuk-table__head">
            <tr>
              <th scope="col">Rule</th>
              {PROMPT_SERIES.map((s) => (
                <th scope="col" key={s.key}>
                  {s.label}
                </th>
              ))}
              {usedOverride.map((r) => (
                <th scope="col" key={r.code}>
                  Overridden: {r.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody className="nhsuk-table__body">
            {report.rules.map((r) => (
              <tr key={r.ruleId}>
                <th scope="row">{r.title ?? `${r.ruleId} (no longer in the rules)`}</th>
                {PROMPT_SERIES.map((s) => (
                  <td key={s.key}>{r.totals[s.key]}</td>
                ))}
                {usedOverride.map((o) => (
                  <td key={o.code}>{r.totals.overriddenByReason[o.code] ?? 0}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      <details className="nhsuk-details">
        <summary className="nhsuk-details__summary">
          <span className="nhsuk-details__summary-text">Prompts month by month</span>
        </summary>
        <div className="nhsuk-details__text">
          <TableScroll labelledBy="fg-rule-months-caption">
            <table className="nhsuk-table">
              <caption className="nhsuk-table__caption" id="fg-rule-months-caption">
                Prompts by rule and month
              </caption>
              <thead className="nhsuk-table__head">
                <tr>
                  <th scope="col">Rule</th>
                  <th scope="col">Month</th>
                  {PROMPT_SERIES.map((s) => (
                    <th scope="col" key={s.key}>
                      {s.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody className="nhsuk-table__body">
                {report.rules.flatMap((r) =>
                  r.months.map((m) => (
                    <tr key={`${r.ruleId}-${m.month}`}>
                      <th scope="row">{r.title ?? r.ruleId}</th>
                      <td>{monthWords(m.month)}</td>
                      {PROMPT_SERIES.map((s) => (
                        <td key={s.key}>{m[s.key]}</td>
                      ))}
                    </tr>
                  )),
                )}
              </tbody>
            </table>
          </TableScroll>
        </div>
      </details>

      <h3 className="nhsuk-heading-m">Referrals, by provider</h3>
      {report.providers.length === 0 ? (
        <p>No referrals were sent in this period.</p>
      ) : (
        <>
          <Chart
            type="bar"
            data={providerData}
            options={options}
            label="Bar chart: for each provider, referrals sent, accepted, rejected and completed. The same numbers are in the table below."
            describedBy="fg-providers-caption"
          />
          <TableScroll labelledBy="fg-providers-caption">
            <table className="nhsuk-table">
              <caption className="nhsuk-table__caption" id="fg-providers-caption">
                Referrals by provider, {window}
              </caption>
              <thead className="nhsuk-table__head">
                <tr>
                  <th scope="col">Provider</th>
                  <th scope="col">Sent</th>
                  <th scope="col">Accepted</th>
                  <th scope="col">Rejected</th>
                  {usedDecline.map((r) => (
                    <th scope="col" key={r.code}>
                      Rejected: {r.label}
                    </th>
                  ))}
                  <th scope="col">Completed</th>
                  <th scope="col">Median days to acknowledgement</th>
                </tr>
              </thead>
              <tbody className="nhsuk-table__body">
                {report.providers.map((p) => (
                  <tr key={p.providerId}>
                    <th scope="row">{p.name ?? `${p.providerId} (no longer in the directory)`}</th>
                    <td>{p.totals.sent}</td>
                    <td>{p.totals.accepted}</td>
                    <td>{p.totals.rejected}</td>
                    {usedDecline.map((r) => (
                      <td key={r.code}>{p.totals.rejectedByReason[r.code] ?? 0}</td>
                    ))}
                    <td>{p.totals.completed}</td>
                    <td>
                      {p.totals.medianDaysToAcknowledge === undefined
                        ? 'No answers yet'
                        : `${oneDecimal(p.totals.medianDaysToAcknowledge)} (of ${p.totals.acknowledged})`}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        </>
      )}
    </>
  );
}
