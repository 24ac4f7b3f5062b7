/**
 * Rules: the list (rules/), one rule's editor (rules/<id>, rules/_new) and the settings for every rule
 * (rules/_settings). The console edits the LATEST version; every save is a new draft version (POST
 * /admin/api/rules/versions with basedOn), which GPs get only once it is published. Switching a rule
 * on or off and resetting it to the national default are saves too.
 */
import { useCallback, useEffect, useState } from 'react';
import { compareWithNational, resetRule } from '../../domain/ruleOverrides.js';
import { parseRules, type RulesFile } from '../../domain/rules.js';
import { ErrorSummary } from '../../provider/ui/ErrorSummary.js';
import { ApiProblem, apiFetch, type RulesResponse, SignInNeeded, type VersionView } from '../api.js';
import type { PageProps } from './App.js';
import { RuleEditor, SettingsEditor } from './RulesEditor.js';
import { changedInWords, triggerInWords } from './RulesModel.js';

export interface RulesData extends RulesResponse {
  /** The latest version's rules file (as saved: already valid). */
  file: RulesFile;
  nationalFile: RulesFile;
}

function fileOf(body: unknown): RulesFile {
  const parsed = parseRules(body);
  return parsed.ok ? parsed.value : (body as RulesFile);
}

export type SaveResult =
  | { ok: true; version: VersionView }
  | { ok: false; problems: string[]; status: number };

export function RulesPage(props: PageProps) {
  const [data, setData] = useState<RulesData>();
  const [problem, setProblem] = useState<string[]>([]);
  const [notice, setNotice] = useState<string>();

  const load = useCallback(async () => {
    try {
      const r = await apiFetch<RulesResponse>('/admin/api/rules');
      setData({ ...r, file: fileOf(r.latest.body), nationalFile: fileOf(r.national) });
      setProblem([]);
    } catch (error) {
      if (error instanceof ApiProblem) setProblem(error.problems);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const save = useCallback(
    async (rules: unknown, note: string): Promise<SaveResult> => {
      if (data === undefined) return { ok: false, problems: ['The rules have not loaded yet.'], status: 0 };
      try {
        const version = await apiFetch<VersionView>('/admin/api/rules/versions', {
          method: 'POST',
          json: { rules, note, basedOn: data.latest.version },
        });
        await load();
        setNotice(
          `Saved as version ${version.version}, a draft. GPs still get version ${data.live.version} until you publish.`,
        );
        return { ok: true, version };
      } catch (error) {
        if (error instanceof SignInNeeded) return { ok: false, problems: [], status: 401 };
        if (error instanceof ApiProblem) {
          const problems =
            error.status === 409
              ? [
                  'Someone else saved a newer version while you were working, so yours was not saved. Reload the page to see theirs, then make your change again.',
                ]
              : error.problems;
          return { ok: false, problems, status: error.status };
        }
        throw error;
      }
    },
    [data, load],
  );

  const publish = useCallback(
    async (version: number) => {
      try {
        await apiFetch<VersionView>(`/admin/api/rules/versions/${version}/publish`, {
          method: 'POST',
          json: {},
        });
        await load();
        setNotice(`Version ${version} is published: GPs get it the next time they open the app.`);
        setProblem([]);
      } catch (error) {
        if (error instanceof ApiProblem) setProblem(error.problems);
      }
    },
    [load],
  );

  if (data === undefined)
    return problem.length > 0 ? (
      <>
        <h1>Rules</h1>
        <ErrorSummary problems={problem} title="The rules could not be loaded" />
      </>
    ) : (
      <p role="status">Loading your practice’s rules…</p>
    );

  const sub = props.route[1];
  if (sub === '_settings') return <SettingsEditor data={data} save={save} navigate={props.navigate} />;
  if (sub !== undefined) {
    const rule = data.file.rules.find((r) => r.id === sub);
    if (sub !== '_new' && rule === undefined)
      return (
        <>
          <h1>Rule not found</h1>
          <p>
            There is no rule “{sub}” in the latest version.{' '}
            <a href="/admin/rules" onClick={go(props.navigate, 'rules')}>
              Back to the rules
            </a>
          </p>
        </>
      );
    return <RuleEditor key={sub} data={data} rule={rule} save={save} navigate={props.navigate} />;
  }
  return (
    <RulesList
      data={data}
      save={save}
      publish={publish}
      navigate={props.navigate}
      notice={notice}
      problem={problem}
      setProblem={setProblem}
    />
  );
}

export function go(navigate: (path: string) => void, path: string) {
  return (event: React.MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(path);
  };
}

export function whenOf(v: VersionView): string {
  return new Date(v.createdAt).toLocaleString('en-GB', {
    timeZone: 'Europe/London',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** Says when the latest version is an unpublished draft, with Publish and a link to the dry run. */
export function DraftBanner(props: {
  data: Pick<RulesResponse, 'live' | 'latest'>;
  publish(version: number): void;
  navigate(path: string): void;
}) {
  const { live, latest } = props.data;
  if (latest.version === live.version) return null;
  return (
    <div className="nhsuk-warning-callout ad-draft">
      <h2 className="nhsuk-warning-callout__label">
        <span>
          <span className="nhsuk-u-visually-hidden">Important: </span>
          Unpublished draft
        </span>
      </h2>
      <p>
        You are editing version {latest.version}, a draft saved {whenOf(latest)}. GPs still get version{' '}
        {live.version}.{' '}
        <a href="/admin/dry-run" onClick={go(props.navigate, 'dry-run')}>
          See what the draft would do (dry run)
        </a>{' '}
        before you publish it.
      </p>
      <button
        type="button"
        className="nhsuk-button nhsuk-button--small ad-inline-button"
        onClick={() => props.publish(latest.version)}
      >
        Publish version {latest.version}
      </button>
    </div>
  );
}

function RulesList(props: {
  data: RulesData;
  save(rules: unknown, note: string): Promise<SaveResult>;
  publish(version: number): Promise<void>;
  navigate(path: string): void;
  notice?: string;
  problem: string[];
  setProblem(p: string[]): void;
}) {
  const { data } = props;
  const states = new Map(compareWithNational(data.file, data.nationalFile).map((s) => [s.ruleId, s]));
  const [busy, setBusy] = useState(false);

  const change = async (rules: RulesFile, note: string) => {
    setBusy(true);
    const result = await props.save(rules, note);
    setBusy(false);
    props.setProblem(result.ok ? [] : result.problems);
  };

  return (
    <>
      <h1>Rules</h1>
      <ErrorSummary problems={props.problem} title="That change was not saved" />
      {props.notice && (
        <p className="ad-notice" role="status">
          {props.notice}
        </p>
      )}
      <DraftBanner data={data} publish={(v) => void props.publish(v)} navigate={props.navigate} />
      <p>
        When a GP opens a patient’s record, each rule that is on and holds for the patient’s current time off
        work can prompt them. Every change is saved as a new version; GPs get it once you publish it.
      </p>
      <div className="ad-actions">
        <a
          className="nhsuk-button nhsuk-button--small ad-inline-button"
          href="/admin/rules/_new"
          onClick={go(props.navigate, 'rules/_new')}
          draggable={false}
        >
          Add a rule
        </a>
        <a href="/admin/rules/_settings" onClick={go(props.navigate, 'rules/_settings')}>
          Settings for every rule (episodes, expected durations)
        </a>
      </div>
      <ul className="ad-rule-list">
        {data.file.rules.map((rule) => {
          const state = states.get(rule.id);
          const switchId = `switch-${rule.id}`;
          return (
            <li key={rule.id} className={`ad-rule${rule.enabled ? '' : ' ad-rule--off'}`}>
              <div className="ad-rule__main">
                <h2 className="nhsuk-heading-s ad-rule__title">
                  <a href={`/admin/rules/${rule.id}`} onClick={go(props.navigate, `rules/${rule.id}`)}>
                    {rule.title}
                  </a>
                </h2>
                <p className="ad-rule__trigger">
                  {triggerInWords(rule.when)}
                  <span className="ad-rule__id"> · {rule.id}</span>
                </p>
                <p className="ad-rule__state">
                  {state?.state === 'national' && (
                    <strong className="nhsuk-tag nhsuk-tag--grey">National default</strong>
                  )}
                  {state?.state === 'local' && (
                    <strong className="nhsuk-tag nhsuk-tag--purple">Local rule</strong>
                  )}
                  {state?.state === 'changed' && (
                    <>
                      <strong className="nhsuk-tag nhsuk-tag--yellow">Changed locally</strong>{' '}
                      <span className="ad-rule__changed">{changedInWords(state.changedFields)}</span>{' '}
                      <button
                        type="button"
                        className="ad-link-button"
                        disabled={busy}
                        onClick={() =>
                          void change(
                            resetRule(data.file, rule.id, data.nationalFile),
                            `Reset "${rule.id}" to the national default`,
                          )
                        }
                      >
                        Reset to national default
                        <span className="nhsuk-u-visually-hidden"> ({rule.title})</span>
                      </button>
                    </>
                  )}
                </p>
              </div>
              <div className="ad-switch">
                <input
                  id={switchId}
                  type="checkbox"
                  role="switch"
                  aria-checked={rule.enabled}
                  className="ad-switch__input"
                  checked={rule.enabled}
                  disabled={busy}
                  onChange={(e) =>
                    void change(
                      {
                        ...data.file,
                        rules: data.file.rules.map((r) =>
                          r.id === rule.id ? { ...r, enabled: e.target.checked } : r,
                        ),
                      },
                      `${e.target.checked ? 'Switched on' : 'Switched off'} "${rule.id}"`,
                    )
                  }
                />
                <label htmlFor={switchId} className="ad-switch__label">
                  {rule.enabled ? 'On' : 'Off'}
                  <span className="nhsuk-u-visually-hidden">: {rule.title}</span>
                </label>
              </div>
            </li>
          );
        })}
      </ul>
    </>
  );
}
