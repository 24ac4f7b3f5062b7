/**
 * The provider inbox's entry (`/inbox/` at the referral hub, built by Vite from src/provider/index.html):
 * finishes a return from the sign-in service if this is one, then renders the inbox (or the sign-in
 * screen). Sign-in and sign-out live here; the pages are in ui/.
 */
import 'nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.css';
import './styles/inbox.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiProblem, inboxApi } from './api.js';
import { beginSignIn, completeSignIn, currentSession, forgetSession, SignInError } from './auth.js';
import { InboxApp } from './ui/InboxApp.js';

const root = createRoot(document.getElementById('root') as HTMLElement);
const api = inboxApi(() => currentSession()?.accessToken);

function render(signInProblem?: string): void {
  const session = currentSession();
  root.render(
    <StrictMode>
      <InboxApp
        // A new sign-in starts the inbox afresh (a sign-in screen has no stale data to keep).
        key={session?.accessToken ?? 'signed-out'}
        api={api}
        staffName={session?.name}
        signedIn={session !== undefined}
        signInProblem={signInProblem}
        signIn={() => void signIn()}
        signOut={() => {
          forgetSession();
          render('You have signed out. Sign in again to see your referrals.');
        }}
      />
    </StrictMode>,
  );
}

async function signIn(): Promise<void> {
  try {
    const config = await api.signInConfig();
    forgetSession();
    await beginSignIn(config, `${location.pathname}${location.search}`);
  } catch (error) {
    forgetSession();
    render(
      error instanceof ApiProblem || error instanceof SignInError
        ? error.message
        : 'Signing in could not start. Reload the page and try again.',
    );
  }
}

async function start(): Promise<void> {
  let problem: string | undefined;
  try {
    const back = await completeSignIn();
    if (back !== undefined) history.replaceState(null, '', back.startsWith('/inbox/') ? back : '/inbox/');
  } catch (error) {
    problem = error instanceof SignInError ? error.message : 'Signing in did not finish. Sign in again.';
  }
  render(problem);
}

void start();
