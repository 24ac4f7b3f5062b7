/**
 * /admin/providers and /admin/providers/<id> (or /new): the practice's provider directory. Every save
 * is PUT /admin/api/directory, which stores a new version AND publishes it at once, so pausing or
 * closing a provider reaches GPs on their next launch.
 */
import { useCallback, useEffect, useState } from 'react';
import { ErrorSummary } from '../../provider/ui/ErrorSummary.js';
import { getDirectory, saveDirectory } from '../adminApi/calls.js';
import { isConflict, PlainProblem, problemsOf } from '../adminApi/problems.js';
import { blankProvider, type ProviderJson } from '../adminApi/providerForm.js';
import type { DirectoryResponse } from '../adminApi/types.js';
import { ProviderForm } from './ProviderForm.js';
import { ProviderList } from './ProviderList.js';

type State =
  | { kind: 'loading' }
  | { kind: 'ready'; data: DirectoryResponse }
  | { kind: 'problem'; problems: string[] };

function providersOf(data: DirectoryResponse): ProviderJson[] {
  const list = (data.live.body as { providers?: unknown } | null)?.providers;
  return Array.isArray(list) ? (list as ProviderJson[]) : [];
}

export function DirectoryPage(props: { route: string[]; navigate(path: string): void }) {
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [flash, setFlash] = useState<string | undefined>(undefined);
  const [listProblems, setListProblems] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      setState({ kind: 'ready', data: await getDirectory() });
    } catch (error) {
      setState({ kind: 'problem', problems: problemsOf(error) });
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const selected = props.route[1] === undefined ? undefined : decodeURIComponent(props.route[1]);
  useEffect(() => {
    document.title = `${selected === undefined ? 'Providers' : selected === 'new' ? 'Add a provider' : 'Edit provider'} – IT-lead console`;
  }, [selected]);

  if (state.kind === 'loading') return <p role="status">Loading the provider directory…</p>;
  if (state.kind === 'problem')
    return (
      <>
        <ErrorSummary problems={state.problems} title="The provider directory could not be loaded" />
        <button type="button" className="nhsuk-button" onClick={() => void load()}>
          Try again
        </button>
      </>
    );

  const { data } = state;
  const providers = providersOf(data);

  async function saveProviders(next: ProviderJson[], message: string) {
    const directory = { ...(data.live.body as object), schemaVersion: 1, providers: next };
    try {
      const live = await saveDirectory(directory, data.live.version);
      setState({ kind: 'ready', data: { ...data, live } });
      setFlash(
        `${message} Published as version ${live.version}: GPs see it the next time they open the app.`,
      );
    } catch (error) {
      if (isConflict(error)) {
        await load();
        throw new PlainProblem(
          'Someone else changed the directory while you were working. Their changes are now shown: check them and make yours again.',
        );
      }
      throw error;
    }
  }

  if (selected !== undefined) {
    const index = providers.findIndex((p) => p.id === selected);
    const isNew = selected === 'new';
    if (!isNew && index < 0)
      return (
        <>
          <h1 className="nhsuk-heading-l">Provider not found</h1>
          <p>There is no provider with the id “{selected}” in the directory. It may have been renamed.</p>
          <p>
            <a
              href="/admin/providers"
              onClick={(e) => {
                e.preventDefault();
                props.navigate('providers');
              }}
            >
              Back to providers
            </a>
          </p>
        </>
      );
    const initial = isNew ? blankProvider(data.today) : (providers[index] as ProviderJson);
    return (
      <>
        <a
          className="nhsuk-back-link"
          href="/admin/providers"
          onClick={(e) => {
            e.preventDefault();
            props.navigate('providers');
          }}
        >
          Back to providers
        </a>
        <ProviderForm
          key={`${selected}-${data.live.version}`}
          initial={initial}
          isNew={isNew}
          providers={providers}
          index={isNew ? -1 : index}
          today={data.today}
          cancel={() => props.navigate('providers')}
          save={async (provider) => {
            const next = isNew
              ? [...providers, provider]
              : providers.map((p, i) => (i === index ? provider : p));
            await saveProviders(next, `${String(provider.name)} saved.`);
            props.navigate('providers');
          }}
        />
      </>
    );
  }

  async function setStatus(id: string, status: 'open' | 'paused') {
    setBusy(true);
    setListProblems([]);
    const provider = providers.find((p) => p.id === id);
    try {
      await saveProviders(
        providers.map((p) => (p.id === id ? { ...p, status } : p)),
        `${String(provider?.name ?? id)} ${status === 'paused' ? 'paused' : 'taking referrals again'}.`,
      );
    } catch (error) {
      setListProblems(problemsOf(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <ErrorSummary problems={listProblems} />
      <h1 className="nhsuk-heading-l">Providers</h1>
      <p>
        The work and health services your GPs can refer to. Changes are published at once: GPs see them the
        next time they open the app.
      </p>
      {flash && (
        <div className="nhsuk-inset-text" role="status">
          <p>{flash}</p>
        </div>
      )}
      <button
        type="button"
        className="nhsuk-button"
        onClick={() => {
          setFlash(undefined);
          props.navigate('providers/new');
        }}
      >
        Add a provider
      </button>
      <ProviderList
        providers={providers}
        today={data.today}
        busy={busy}
        navigate={props.navigate}
        setStatus={(id, s) => void setStatus(id, s)}
      />
      <p className="nhsuk-body-s">
        Live directory: version {data.live.version}
        {data.live.authorName ? `, saved by ${data.live.authorName}` : ''}.
      </p>
    </>
  );
}
