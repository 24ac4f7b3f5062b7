/**
 * Versions of the practice's rules: every saved version (number, who, when, note, Live/Draft) with its
 * readable changes, and Publish, Restore (a new draft with that version's rules), Export (the rules
 * file). Import a rules file: the hub checks it with the same schema as the CLI; a refused file shows
 * every reason and changes nothing.
 */
import { useCallback, useEffect, useState } from 'react';
import { ErrorSummary } from '../../provider/ui/ErrorSummary.js';
import { ApiProblem, apiDownload, apiFetch, type VersionView } from '../api.js';
import type { PageProps } from './App.js';
import { DraftBanner, whenOf } from './RulesPage.js';

export function VersionsPage(props: PageProps) {
  const [versions, setVersions] = useState<VersionView[]>();
  const [problems, setProblems] = useState<string[]>([]);
  const [problemTitle, setProblemTitle] = useState('There is a problem');
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [ods, setOds] = useState<string>();

  const load = useCallback(async () => {
    try {
      const r = await apiFetch<{ versions: VersionView[] }>('/admin/api/rules/versions');
      setVersions(r.versions);
    } catch (error) {
      if (error instanceof ApiProblem) {
        setProblemTitle('The versions could not be loaded');
        setProblems(error.problems);
      }
    }
  }, []);

  useEffect(() => {
    void load();
    apiFetch<{ practiceOds: string }>('/admin/api/me').then(
      (me) => setOds(me.practiceOds),
      () => undefined,
    );
  }, [load]);

  const act = async (what: () => Promise<string>, failed: string) => {
    setBusy(true);
    setNotice(undefined);
    setProblems([]);
    try {
      const done = await what();
      await load();
      setNotice(done);
    } catch (error) {
      if (error instanceof ApiProblem) {
        setProblemTitle(failed);
        setProblems(error.problems);
      }
    } finally {
      setBusy(false);
    }
  };

  const publish = (n: number) =>
    act(async () => {
      await apiFetch(`/admin/api/rules/versions/${n}/publish`, { method: 'POST', json: {} });
      return `Version ${n} is published: GPs get it the next time they open the app.`;
    }, `Version ${n} was not published`);

  const restore = (n: number) =>
    act(async () => {
      const v = await apiFetch<VersionView>(`/admin/api/rules/versions/${n}/restore`, {
        method: 'POST',
        json: {},
      });
      return `Version ${n}’s rules are now version ${v.version}, a draft. Publish it when you are ready.`;
    }, `Version ${n} was not restored`);

  const importFile = async (file: File) => {
    const text = await file.text();
    await act(async () => {
      const v = await apiFetch<VersionView>('/admin/api/rules/import', {
        method: 'POST',
        body: text,
        headers: { 'content-type': 'text/plain' },
      });
      return `${file.name} is now version ${v.version}, a draft. Nothing reaches GPs until you publish it.`;
    }, `${file.name} was not imported: nothing has been changed`);
  };

  if (versions === undefined)
    return problems.length > 0 ? (
      <>
        <h1>Versions</h1>
        <ErrorSummary problems={problems} title={problemTitle} />
      </>
    ) : (
      <p role="status">Loading the versions…</p>
    );

  const live = versions.find((v) => v.published);
  const latest = versions[0];
  return (
    <>
      <h1>Versions of your rules</h1>
      <ErrorSummary problems={problems} title={problemTitle} />
      {notice && (
        <p className="ad-notice" role="status">
          {notice}
        </p>
      )}
      {live && latest && (
        <DraftBanner data={{ live, latest }} publish={(n) => void publish(n)} navigate={props.navigate} />
      )}
      <section className="ad-import" aria-labelledby="import-title">
        <h2 className="nhsuk-heading-s" id="import-title">
          Import a rules file
        </h2>
        <div className="nhsuk-form-group">
          <label className="nhsuk-label" htmlFor="import-file">
            Choose a rules file (JSON)
          </label>
          <div className="nhsuk-hint" id="import-file-hint">
            It becomes a new draft version. If anything in it is wrong, nothing is changed and you are told
            what to fix.
          </div>
          <input
            className="nhsuk-file-upload"
            id="import-file"
            type="file"
            accept=".json,application/json"
            aria-describedby="import-file-hint"
            disabled={busy}
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (file) void importFile(file);
            }}
          />
        </div>
      </section>
      <ol className="ad-versions" reversed>
        {versions.map((v) => (
          <li key={v.version} className="ad-version">
            <div className="ad-version__head">
              <h2 className="nhsuk-heading-s ad-version__title">
                Version {v.version}{' '}
                {v.published ? (
                  <strong className="nhsuk-tag nhsuk-tag--green">Live</strong>
                ) : v.version === latest?.version ? (
                  <strong className="nhsuk-tag nhsuk-tag--yellow">Draft</strong>
                ) : (
                  <strong className="nhsuk-tag nhsuk-tag--grey">Not live</strong>
                )}
              </h2>
              <p className="ad-version__meta">
                {whenOf(v)} by {v.authorName ?? (v.author === 'hub' ? 'the hub' : v.author)}
                {v.note ? <> · “{v.note}”</> : null}
              </p>
            </div>
            {v.changes.length === 0 ? (
              <p className="ad-version__nochange">{v.version === 1 ? 'The first version.' : 'No changes.'}</p>
            ) : v.changes.length <= 5 ? (
              <ul className="nhsuk-list nhsuk-list--bullet ad-version__changes">
                {v.changes.map((c) => (
                  <li key={c}>{c}</li>
                ))}
              </ul>
            ) : (
              <details className="nhsuk-details ad-version__changes">
                <summary className="nhsuk-details__summary">
                  <span className="nhsuk-details__summary-text">
                    {v.changes.length} changes
                    <span className="nhsuk-u-visually-hidden"> in version {v.version}</span>
                  </span>
                </summary>
                <div className="nhsuk-details__text">
                  <ul className="nhsuk-list nhsuk-list--bullet">
                    {v.changes.map((c) => (
                      <li key={c}>{c}</li>
                    ))}
                  </ul>
                </div>
              </details>
            )}
            <div className="ad-version__actions">
              {!v.published && (
                <button
                  type="button"
                  className="nhsuk-button nhsuk-button--small ad-inline-button"
                  disabled={busy}
                  onClick={() => void publish(v.version)}
                >
                  Publish<span className="nhsuk-u-visually-hidden"> version {v.version}</span>
                </button>
              )}
              {v.version !== latest?.version && (
                <button
                  type="button"
                  className="nhsuk-button nhsuk-button--small nhsuk-button--secondary ad-inline-button"
                  disabled={busy}
                  onClick={() => void restore(v.version)}
                >
                  Restore<span className="nhsuk-u-visually-hidden"> version {v.version}</span>
                </button>
              )}
              <button
                type="button"
                className="nhsuk-button nhsuk-button--small nhsuk-button--secondary ad-inline-button"
                onClick={() =>
                  void apiDownload(
                    `/admin/api/rules/export?version=${v.version}`,
                    `rules-${ods ?? 'practice'}-v${v.version}.json`,
                  ).catch((error: unknown) => {
                    if (error instanceof ApiProblem) {
                      setProblemTitle(`Version ${v.version} was not exported`);
                      setProblems(error.problems);
                    }
                  })
                }
              >
                Export<span className="nhsuk-u-visually-hidden"> version {v.version}</span>
              </button>
            </div>
          </li>
        ))}
      </ol>
    </>
  );
}
