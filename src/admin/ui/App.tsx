/**
 * The IT-lead console's shell: sign-in, the header (practice, the person's name, sign out), the
 * navigation and the routes under /admin/:
 *   rules (default), rules/<id>, versions, dry-run, providers, providers/<id>, figures, audit.
 * Pages get `route` (the path under /admin/ split on '/') and `navigate(path)` (a path under /admin/,
 * e.g. 'rules/six-weeks-oh'; pushes history). Any 401 from the hub (SIGN_IN_NEEDED_EVENT) shows the
 * sign-in screen; signing in comes back to the same page.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { ErrorSummary } from '../../provider/ui/ErrorSummary.js';
import { ApiProblem, apiFetch, consoleSignIn, SIGN_IN_NEEDED_EVENT, type SignInConfig } from '../api.js';
import { AuditPage } from './AuditPage.js';
import { DirectoryPage } from './DirectoryPage.js';
import { DryRunPage } from './DryRunPage.js';
import { FiguresPage } from './FiguresPage.js';
import { RulesPage } from './RulesPage.js';
import { VersionsPage } from './VersionsPage.js';

export interface PageProps {
  route: string[];
  navigate(path: string): void;
}

export const NAV: Array<{ path: string; label: string }> = [
  { path: 'rules', label: 'Rules' },
  { path: 'versions', label: 'Versions' },
  { path: 'dry-run', label: 'Dry run' },
  { path: 'providers', label: 'Providers' },
  { path: 'figures', label: 'Figures' },
  { path: 'audit', label: 'Audit' },
];

const TITLES: Record<string, string> = Object.fromEntries(NAV.map((n) => [n.path, n.label]));

/** The path under /admin/ split on '/', without empty parts; [] → ['rules']. */
export function routeOf(pathname: string): string[] {
  const rest = pathname.startsWith('/admin/') ? pathname.slice('/admin/'.length) : '';
  const parts = rest
    .split('/')
    .filter((p) => p !== '')
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  return parts.length === 0 ? ['rules'] : parts;
}

export interface Me {
  name?: string;
  practiceOds: string;
}

type Shell =
  | { state: 'loading' }
  | { state: 'signed-out'; problem?: string; notice?: string }
  | { state: 'signed-in'; me: Me };

export function App(props: { signInProblem?: string }) {
  const [shell, setShell] = useState<Shell>(() =>
    consoleSignIn.currentSession() === undefined
      ? { state: 'signed-out', ...(props.signInProblem ? { problem: props.signInProblem } : {}) }
      : { state: 'loading' },
  );
  const [route, setRoute] = useState<string[]>(() => routeOf(location.pathname));
  const mainRef = useRef<HTMLElement>(null);

  const loadMe = useCallback(async () => {
    try {
      const me = await apiFetch<Me>('/admin/api/me');
      const session = consoleSignIn.currentSession();
      setShell({ state: 'signed-in', me: { ...me, name: me.name ?? session?.name } });
    } catch (error) {
      if (error instanceof ApiProblem)
        setShell({
          state: 'signed-out',
          problem:
            error.status === 403
              ? 'This account cannot change a practice’s prompts: it is not an IT lead’s. Sign in with your IT-lead account.'
              : error.message,
        });
      // SignInNeeded: the event below has already shown the sign-in screen.
    }
  }, []);

  useEffect(() => {
    if (shell.state === 'loading') void loadMe();
  }, [shell.state, loadMe]);

  useEffect(() => {
    const expired = () =>
      setShell({
        state: 'signed-out',
        notice: 'Your sign-in has expired. Sign in again to carry on where you were.',
      });
    const popped = () => setRoute(routeOf(location.pathname));
    window.addEventListener(SIGN_IN_NEEDED_EVENT, expired);
    window.addEventListener('popstate', popped);
    return () => {
      window.removeEventListener(SIGN_IN_NEEDED_EVENT, expired);
      window.removeEventListener('popstate', popped);
    };
  }, []);

  const page = route[0] ?? 'rules';
  useEffect(() => {
    const title = TITLES[page] ?? 'Page not found';
    document.title = `${title} – Fit note prompts for your practice`;
  }, [page]);

  const navigate = useCallback((path: string) => {
    const target = `/admin/${path.replace(/^\/+/, '').replace(/^admin\//, '')}`;
    if (target !== `${location.pathname}${location.search}`) history.pushState(null, '', target);
    setRoute(routeOf(new URL(target, location.origin).pathname));
    window.scrollTo(0, 0);
    mainRef.current?.focus();
  }, []);

  const signIn = async () => {
    try {
      const config = await apiFetch<SignInConfig>('/admin/api/sign-in');
      consoleSignIn.forgetSession();
      await consoleSignIn.beginSignIn(config, `${location.pathname}${location.search}`);
    } catch (error) {
      setShell({
        state: 'signed-out',
        problem:
          error instanceof Error && error.message !== ''
            ? error.message
            : 'Signing in could not start. Reload the page and try again.',
      });
    }
  };

  const signOut = () => {
    consoleSignIn.forgetSession();
    setShell({ state: 'signed-out', notice: 'You have signed out.' });
  };

  const me = shell.state === 'signed-in' ? shell.me : undefined;
  return (
    <>
      <a className="nhsuk-skip-link" href="#main">
        Skip to main content
      </a>
      <header className="ad-header">
        <div className="ad-header__container">
          <div className="ad-header__service">
            <a className="ad-header__title" href="/admin/rules" onClick={link(navigate, 'rules')}>
              Fit note prompts
            </a>
            {me && <span className="ad-header__practice">Practice {me.practiceOds}</span>}
          </div>
          {me && (
            <div className="ad-header__account">
              {me.name && <span className="ad-header__name">{me.name}</span>}
              <button type="button" className="ad-link-button" onClick={signOut}>
                Sign out
              </button>
            </div>
          )}
        </div>
        {me && (
          <nav className="ad-nav" aria-label="Console">
            <ul className="ad-nav__list">
              {NAV.map((n) => (
                <li key={n.path} className="ad-nav__item">
                  <a
                    className="ad-nav__link"
                    href={`/admin/${n.path}`}
                    aria-current={page === n.path ? 'page' : undefined}
                    onClick={link(navigate, n.path)}
                  >
                    {n.label}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        )}
      </header>
      <div className="ad-page">
        <main className="ad-main" id="main" tabIndex={-1} ref={mainRef}>
          {shell.state === 'loading' && <p role="status">Loading…</p>}
          {shell.state === 'signed-out' && (
            <SignInScreen problem={shell.problem} notice={shell.notice} signIn={() => void signIn()} />
          )}
          {shell.state === 'signed-in' && <Page route={route} navigate={navigate} />}
        </main>
      </div>
    </>
  );
}

function link(navigate: (path: string) => void, path: string) {
  return (event: React.MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(path);
  };
}

function Page(props: PageProps) {
  switch (props.route[0]) {
    case 'rules':
      return <RulesPage {...props} />;
    case 'versions':
      return <VersionsPage {...props} />;
    case 'dry-run':
      return <DryRunPage {...props} />;
    case 'providers':
      return <DirectoryPage {...props} />;
    case 'figures':
      return <FiguresPage {...props} />;
    case 'audit':
      return <AuditPage {...props} />;
    default:
      return (
        <>
          <h1>Page not found</h1>
          <p>
            There is no console page at this address. Go to{' '}
            <a href="/admin/rules" onClick={link(props.navigate, 'rules')}>
              your practice’s rules
            </a>
            .
          </p>
        </>
      );
  }
}

function SignInScreen(props: { problem?: string; notice?: string; signIn(): void }) {
  return (
    <>
      <h1>Sign in to set up your practice’s fit note prompts</h1>
      {props.problem && <ErrorSummary problems={[props.problem]} title="You are not signed in" />}
      {props.notice && (
        <div className="nhsuk-inset-text" role="status">
          <span className="nhsuk-u-visually-hidden">Information: </span>
          <p>{props.notice}</p>
        </div>
      )}
      <p>
        This is where a practice’s IT lead or practice manager sets up the prompts GPs see for patients off
        work on fit notes, checks what a change would do before it goes live, and sees whether GPs act on
        them.
      </p>
      <button type="button" className="nhsuk-button" onClick={props.signIn}>
        Sign in
      </button>
    </>
  );
}
