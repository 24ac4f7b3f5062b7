/**
 * /admin/dry-run: replays the draft rules (the latest saved version) and the live (published) rules
 * over the practice's past records, through the hub (POST /admin/api/dry-run), and shows per rule the
 * prompts a month per 1,000 patients and per full-time GP next to the focus-group study's expected
 * range: a chart and the same numbers as a table, and a monthly series.
 */
import { useEffect, useState } from 'react';
import { londonDateOf } from '../../domain/dates.js';
import { type DryRunReport, windowProblem } from '../../domain/dryRun.js';
import { ErrorSummary, type SummaryProblem } from '../../provider/ui/ErrorSummary.js';
import { getRecords, getRules, runDryRun, uploadRecords } from '../adminApi/calls.js';
import { problemsOf } from '../adminApi/problems.js';
import type { RecordsStatus, RulesResponse } from '../adminApi/types.js';
import { lastMonthsWindow, monthWords } from '../adminApi/window.js';
import { DryRunResults } from './DryRunResults.js';

const PRESETS = [3, 6, 12] as const;
type Preset = (typeof PRESETS)[number] | 'custom';

type Loaded =
  | { kind: 'loading' }
  | { kind: 'ready'; rules: RulesResponse; records: RecordsStatus }
  | { kind: 'problem'; problems: string[] };

export function DryRunPage(props: { route: string[]; navigate(path: string): void }) {
  void props.route;
  const today = londonDateOf(new Date());
  const [loaded, setLoaded] = useState<Loaded>({ kind: 'loading' });
  const [preset, setPreset] = useState<Preset>(6);
  const [from, setFrom] = useState(lastMonthsWindow(today, 6).from);
  const [to, setTo] = useState(today);
  const [source, setSource] = useState<'ehr' | 'upload'>('ehr');
  const [gps, setGps] = useState('');
  const [file, setFile] = useState<File | undefined>(undefined);
  const [uploading, setUploading] = useState(false);
  const [uploadNote, setUploadNote] = useState<string | undefined>(undefined);
  const [problems, setProblems] = useState<SummaryProblem[]>([]);
  const [running, setRunning] = useState(false);
  const [report, setReport] = useState<DryRunReport | undefined>(undefined);

  useEffect(() => {
    document.title = 'Dry run – IT-lead console';
    void (async () => {
      try {
        const [rules, records] = await Promise.all([getRules(), getRecords()]);
        setLoaded({ kind: 'ready', rules, records });
        if (!records.ehr.available && records.upload) setSource('upload');
        if (!records.ehr.available && !records.upload) setSource('upload');
      } catch (error) {
        setLoaded({ kind: 'problem', problems: problemsOf(error) });
      }
    })();
  }, []);

  if (loaded.kind === 'loading') return <p role="status">Loading the rules and records…</p>;
  if (loaded.kind === 'problem')
    return <ErrorSummary problems={loaded.problems} title="The dry run could not be prepared" />;
  const { rules, records } = loaded;
  const draftIsLive = rules.latest.version === rules.live.version;

  function choosePreset(p: Preset) {
    setPreset(p);
    if (p !== 'custom') {
      const w = lastMonthsWindow(today, p);
      setFrom(w.from);
      setTo(w.to);
    }
  }

  async function upload() {
    if (file === undefined) {
      setProblems([{ text: 'Choose an export file to upload', href: '#dr-file' }]);
      return;
    }
    setUploading(true);
    setProblems([]);
    setUploadNote(undefined);
    try {
      const done = await uploadRecords(file);
      setLoaded((old) =>
        old.kind === 'ready'
          ? {
              ...old,
              records: {
                ...old.records,
                upload: { patients: done.patients, fitNotes: done.fitNotes, loadedAt: done.loadedAt },
              },
            }
          : old,
      );
      setUploadNote(
        `Read ${done.patients.toLocaleString('en-GB')} patients and ${done.fitNotes.toLocaleString('en-GB')} fit notes from ${file.name}` +
          (done.unreadable > 0
            ? `; ${done.unreadable.toLocaleString('en-GB')} entries could not be read and are left out.`
            : '.'),
      );
    } catch (error) {
      setProblems(problemsOf(error).map((text) => ({ text, href: '#dr-file' })));
    } finally {
      setUploading(false);
    }
  }

  async function run(e: React.FormEvent) {
    e.preventDefault();
    const found: SummaryProblem[] = [];
    const windowWrong = windowProblem(from.trim(), to.trim(), today);
    if (windowWrong) found.push({ text: windowWrong, href: '#dr-from' });
    const gpText = gps.trim();
    const fullTimeGps = gpText === '' ? undefined : Number(gpText);
    if (fullTimeGps !== undefined && !(Number.isFinite(fullTimeGps) && fullTimeGps > 0 && fullTimeGps <= 500))
      found.push({
        text: 'Full-time GPs must be a number above 0, such as 4.5, or left empty',
        href: '#dr-gps',
      });
    if (source === 'upload' && !records.upload)
      found.push({ text: 'Upload an export file first, or choose the practice’s records', href: '#dr-file' });
    setProblems(found);
    if (found.length > 0) return;
    setRunning(true);
    try {
      setReport(
        await runDryRun({
          rules: rules.latest.body,
          from: from.trim(),
          to: to.trim(),
          source,
          ...(fullTimeGps !== undefined ? { fullTimeGps } : {}),
        }),
      );
    } catch (error) {
      setReport(undefined);
      setProblems(problemsOf(error).map((text) => ({ text })));
    } finally {
      setRunning(false);
    }
  }

  const windowDisabled = preset !== 'custom';
  return (
    <>
      <ErrorSummary problems={problems} />
      <h1 className="nhsuk-heading-l">Dry run</h1>
      <p>
        See how often the prompts would have appeared over a past period, before you publish a change. Nothing
        is shown to GPs and nothing is changed.
      </p>
      <div className="nhsuk-inset-text">
        <span className="nhsuk-u-visually-hidden">Information: </span>
        {draftIsLive ? (
          <p>
            The draft is the live version (version {rules.live.version}): there are no unpublished changes, so
            the draft and live figures will be the same.
          </p>
        ) : (
          <p>
            Draft: version {rules.latest.version} (not published). Live: version {rules.live.version}, what
            GPs see now.
          </p>
        )}
      </div>
      <form onSubmit={run} noValidate>
        <div className="nhsuk-form-group">
          <fieldset className="nhsuk-fieldset">
            <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">Period</legend>
            <div className="nhsuk-radios nhsuk-radios--small nhsuk-radios--inline">
              {[...PRESETS, 'custom' as const].map((p) => (
                <div className="nhsuk-radios__item" key={p}>
                  <input
                    className="nhsuk-radios__input"
                    id={`dr-preset-${p}`}
                    name="preset"
                    type="radio"
                    checked={preset === p}
                    onChange={() => choosePreset(p)}
                  />
                  <label className="nhsuk-label nhsuk-radios__label" htmlFor={`dr-preset-${p}`}>
                    {p === 'custom' ? 'Choose dates' : `Last ${p} months`}
                  </label>
                </div>
              ))}
            </div>
            <div style={{ display: 'flex', gap: '1rem', flexWrap: 'wrap' }} className="nhsuk-u-margin-top-3">
              <div>
                <label className="nhsuk-label" htmlFor="dr-from">
                  From
                </label>
                <div className="nhsuk-hint" id="dr-from-hint">
                  For example 2026-05-01
                </div>
                <input
                  className="nhsuk-input nhsuk-input--width-10"
                  id="dr-from"
                  value={from}
                  readOnly={windowDisabled}
                  aria-describedby="dr-from-hint"
                  onChange={(e) => setFrom(e.target.value)}
                />
              </div>
              <div>
                <label className="nhsuk-label" htmlFor="dr-to">
                  To
                </label>
                <div className="nhsuk-hint" id="dr-to-hint">
                  Today or earlier
                </div>
                <input
                  className="nhsuk-input nhsuk-input--width-10"
                  id="dr-to"
                  value={to}
                  readOnly={windowDisabled}
                  aria-describedby="dr-to-hint"
                  onChange={(e) => setTo(e.target.value)}
                />
              </div>
            </div>
          </fieldset>
        </div>

        <div className="nhsuk-form-group">
          <fieldset className="nhsuk-fieldset">
            <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">Records</legend>
            <div className="nhsuk-radios nhsuk-radios--small">
              <div className="nhsuk-radios__item">
                <input
                  className="nhsuk-radios__input"
                  id="dr-source-ehr"
                  name="source"
                  type="radio"
                  checked={source === 'ehr'}
                  disabled={!records.ehr.available}
                  aria-describedby="dr-source-ehr-hint"
                  onChange={() => setSource('ehr')}
                />
                <label className="nhsuk-label nhsuk-radios__label" htmlFor="dr-source-ehr">
                  The practice’s records, through the referral hub
                </label>
                <div className="nhsuk-hint nhsuk-radios__hint" id="dr-source-ehr-hint">
                  {records.ehr.description}
                </div>
              </div>
              <div className="nhsuk-radios__item">
                <input
                  className="nhsuk-radios__input"
                  id="dr-source-upload"
                  name="source"
                  type="radio"
                  checked={source === 'upload'}
                  aria-describedby="dr-source-upload-hint"
                  onChange={() => setSource('upload')}
                />
                <label className="nhsuk-label nhsuk-radios__label" htmlFor="dr-source-upload">
                  An export file
                </label>
                <div className="nhsuk-hint nhsuk-radios__hint" id="dr-source-upload-hint">
                  {records.upload
                    ? `Loaded: ${records.upload.patients.toLocaleString('en-GB')} patients, ${records.upload.fitNotes.toLocaleString('en-GB')} fit notes (${new Date(records.upload.loadedAt).toLocaleString('en-GB', { timeZone: 'Europe/London' })}).`
                    : 'FHIR Bundles (JSON), a list of Bundles, or NDJSON. Kept in the hub’s memory only.'}
                </div>
              </div>
            </div>
            {source === 'upload' && (
              <div className="nhsuk-inset-text nhsuk-u-margin-top-2">
                <label className="nhsuk-label" htmlFor="dr-file">
                  Export file
                </label>
                <input
                  id="dr-file"
                  type="file"
                  className="nhsuk-u-margin-bottom-3"
                  accept=".json,.ndjson,application/json,application/fhir+json,application/x-ndjson"
                  onChange={(e) => setFile(e.target.files?.[0])}
                />
                <div>
                  <button
                    type="button"
                    className="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0"
                    disabled={uploading}
                    onClick={() => void upload()}
                  >
                    {uploading ? 'Uploading…' : 'Upload'}
                  </button>
                </div>
                <div role="status">
                  {uploadNote && <p className="nhsuk-u-margin-top-2 nhsuk-u-margin-bottom-0">{uploadNote}</p>}
                </div>
              </div>
            )}
          </fieldset>
        </div>

        <div className="nhsuk-form-group">
          <label className="nhsuk-label nhsuk-label--m" htmlFor="dr-gps">
            Full-time GPs (optional)
          </label>
          <div className="nhsuk-hint" id="dr-gps-hint">
            Full-time equivalent, for example 4.5. Left empty, the figures assume one full-time GP for every
            2,000 patients.
          </div>
          <input
            className="nhsuk-input nhsuk-input--width-4"
            id="dr-gps"
            inputMode="decimal"
            value={gps}
            aria-describedby="dr-gps-hint"
            onChange={(e) => setGps(e.target.value)}
          />
        </div>
        <button type="submit" className="nhsuk-button" disabled={running}>
          {running ? 'Running…' : 'Run the dry run'}
        </button>
      </form>
      <div aria-live="polite">
        {running && <p role="status">Replaying the records…</p>}
        {report && (
          <DryRunResults
            report={report}
            draftIsLive={draftIsLive}
            draftVersion={rules.latest.version}
            liveVersion={rules.live.version}
            windowWords={`${monthWords(report.from.slice(0, 7))} to ${monthWords(report.to.slice(0, 7))}`}
          />
        )}
      </div>
    </>
  );
}
