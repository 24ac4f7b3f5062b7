/**
 * The IT-lead console's entry (`/admin/` at the referral hub, built by Vite from src/admin/index.html):
 * finishes a return from the sign-in service if this is one (going back to the page the person was
 * on), then renders the shell (ui/App.tsx).
 */
import 'nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.css';
import './styles/admin.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { SignInError } from '../provider/auth.js';
import { consoleSignIn } from './api.js';
import { App } from './ui/App.js';

const root = createRoot(document.getElementById('root') as HTMLElement);

async function start(): Promise<void> {
  let problem: string | undefined;
  try {
    const back = await consoleSignIn.completeSignIn();
    if (back !== undefined) history.replaceState(null, '', back.startsWith('/admin/') ? back : '/admin/');
  } catch (error) {
    problem = error instanceof SignInError ? error.message : 'Signing in did not finish. Sign in again.';
  }
  root.render(
    <StrictMode>
      <App {...(problem !== undefined ? { signInProblem: problem } : {})} />
    </StrictMode>,
  );
}

void start();
