/** @jest-environment jsdom */
import { act, cleanup, render, screen } from '@testing-library/react';
import { SIGN_IN_NEEDED_EVENT } from '../api.js';
import { App, routeOf } from './App.js';

afterEach(() => {
  cleanup();
  sessionStorage.clear();
});

describe('routeOf', () => {
  it.each([
    ['/admin/', ['rules']],
    ['/admin', ['rules']],
    ['/admin/rules', ['rules']],
    ['/admin/rules/six-weeks-oh', ['rules', 'six-weeks-oh']],
    ['/admin/providers/local-oh-service/', ['providers', 'local-oh-service']],
    ['/admin/dry-run', ['dry-run']],
    ['/admin/rules/a%20b', ['rules', 'a b']],
    ['/admin/rules/%E0%A4%A', ['rules', '%E0%A4%A']],
  ])('%s → %j', (path, route) => {
    expect(routeOf(path)).toEqual(route);
  });
});

describe('the shell', () => {
  it('asks to sign in when there is no sign-in, with the problem from the sign-in service', () => {
    render(<App signInProblem="You cancelled signing in." />);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe(
      'Sign in to set up your practice’s fit note prompts',
    );
    expect(screen.getByRole('alert').textContent).toContain('You cancelled signing in.');
    expect(screen.queryByRole('navigation')).toBeNull();
  });

  it('shows the header, navigation and page once signed in, and the sign-in again when the hub says 401', async () => {
    sessionStorage.setItem(
      'fitnote-admin.session',
      JSON.stringify({ accessToken: 't', name: 'IT lead (synthetic)', expiresAt: Date.now() + 60_000 }),
    );
    const calls: string[] = [];
    globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      calls.push(`${String(input)} ${(init?.headers as Record<string, string> | undefined)?.authorization}`);
      const me = String(input).endsWith('/admin/api/me');
      const body = me ? { practiceOds: 'A99999' } : { issue: [] };
      return {
        status: me ? 200 : 503,
        ok: me,
        headers: { get: (name: string) => (name === 'content-type' ? 'application/json' : null) },
        json: async () => body,
      } as unknown as Response;
    }) as typeof fetch;
    history.replaceState(null, '', '/admin/versions');
    render(<App />);
    await screen.findByText('Practice A99999');
    expect(calls[0]).toBe('/admin/api/me Bearer t');
    expect(screen.getByText('IT lead (synthetic)')).toBeTruthy();
    const nav = screen.getByRole('navigation', { name: 'Console' });
    expect(
      [...nav.querySelectorAll('a')].map((a) => [a.textContent, a.getAttribute('aria-current')]),
    ).toEqual([
      ['Rules', null],
      ['Versions', 'page'],
      ['Dry run', null],
      ['Providers', null],
      ['Figures', null],
      ['Audit', null],
    ]);
    act(() => {
      window.dispatchEvent(new CustomEvent(SIGN_IN_NEEDED_EVENT));
    });
    expect(screen.getByRole('status').textContent).toContain('Your sign-in has expired');
    expect(location.pathname).toBe('/admin/versions');
  });
});
