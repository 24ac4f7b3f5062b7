/**
 * The sandbox's OpenID provider for staff sign-in (provider staff using the inbox, practice IT leads),
 * standing in for NHS CIS2: `oidc-provider` mounted at `/oidc` on the sandbox's server, issuer
 * `${origin}/oidc`, with synthetic staff and no passwords.
 *
 * - Clients: `provider-inbox` (redirect `${hub}/inbox/`) and `it-lead-console` (`${hub}/admin/`), both
 *   public browser clients (no secret), authorization code flow with PKCE S256 required. CORS for the
 *   hub's origin on the token endpoint (discovery and keys are open to any origin).
 * - Access tokens are JWTs for the hub's audience (HUB_OIDC_AUDIENCE, default urn:fitnote-prompt:hub:
 *   the resource indicator is implied when the client names none) carrying the staff claims the hub
 *   reads (src/server/auth/staff.ts): fitnote_role, fitnote_provider or fitnote_practice, and name. The
 *   ID token and userinfo carry them too under the scope `fitnote`.
 * - Accounts: one provider-staff account per provider in the sample practice's directory, and one IT
 *   lead for the sample practice (`sandboxStaffAccounts`).
 * - The sign-in page lists the accounts as "Sign in as …" buttons and a Cancel (access_denied); it is
 *   shown on every sign-in (so a shared screen never signs the next person in as the last); consent
 *   is skipped for these first-party clients.
 * - Signing keys and cookie keys are made at start and live in memory only.
 * Tests sign in over HTTP with tests/integration/staffSignIn.ts (`staffToken`).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import { errors, type InteractionDetails, interactionPolicy, Provider } from 'oidc-provider';
import { STAFF_CLAIMS, type StaffRole } from '../server/auth/staff.js';
import { DEFAULT_OIDC_AUDIENCE } from '../server/env.js';
import type { SandboxHandler } from './fhirServer.js';
import { escapeHtml, signInPageHtml } from './smartAuthPage.js';

export const OIDC_MOUNT = '/oidc';

/** The client ids the hub's staff pages sign in with. */
export const STAFF_CLIENTS = {
  inbox: 'provider-inbox',
  itLead: 'it-lead-console',
} as const;

/** The OIDC scope that carries the staff claims in the ID token and userinfo. */
export const STAFF_SCOPE = 'fitnote';

export interface StaffAccount {
  /** The account's subject (`sub`). */
  id: string;
  /** Display name: role-based and marked synthetic. */
  name: string;
  role: StaffRole;
  /** Provider staff: the provider's id in the directory. */
  providerId?: string;
  /** IT leads: the practice's ODS code. */
  practiceOds?: string;
}

export interface SandboxOidcOptions {
  /** The sandbox's origin (no trailing slash); the issuer is `${origin}/oidc`. */
  origin: string;
  /** The hub's address (no trailing slash): the clients' redirect URIs and the allowed CORS origin. */
  hubUrl: string;
  /** The audience of staff access tokens (the hub's HUB_OIDC_AUDIENCE). */
  audience?: string;
  accounts: readonly StaffAccount[];
  /** Access token lifetime (s). Default 3600. */
  accessTokenTtl?: number;
}

export interface SandboxOidc {
  /** `${origin}/oidc`. */
  issuer: string;
  audience: string;
  accounts: readonly StaffAccount[];
  /** The redirect URIs by client id. */
  redirectUris: Readonly<Record<string, readonly string[]>>;
  /** Answers `/oidc/*`; passes on the rest. */
  handle: SandboxHandler;
}

interface DirectoryProvider {
  id: string;
  name: string;
}

/** The synthetic staff: one coordinator per provider in the directory, one IT lead for the practice. */
export function sandboxStaffAccounts(
  directory: unknown,
  practice: { odsCode: string; name: string },
): StaffAccount[] {
  const list =
    typeof directory === 'object' &&
    directory !== null &&
    Array.isArray((directory as { providers?: unknown }).providers)
      ? ((directory as { providers: unknown[] }).providers as unknown[])
      : [];
  const providers = list.filter(
    (p): p is DirectoryProvider =>
      typeof p === 'object' &&
      p !== null &&
      typeof (p as DirectoryProvider).id === 'string' &&
      typeof (p as DirectoryProvider).name === 'string',
  );
  return [
    {
      id: `it-lead-${practice.odsCode.toLowerCase()}`,
      name: `IT lead, ${practice.name} (synthetic)`,
      role: 'it-lead',
      practiceOds: practice.odsCode,
    },
    ...providers.map(
      (p): StaffAccount => ({
        id: `coordinator-${p.id}`,
        name: `Referral coordinator, ${p.name} (synthetic)`,
        role: 'provider-staff',
        providerId: p.id,
      }),
    ),
  ];
}

/** The staff claims of an account, as the hub reads them. */
export function staffClaims(account: StaffAccount): Record<string, string> {
  return {
    name: account.name,
    [STAFF_CLAIMS.role]: account.role,
    ...(account.providerId === undefined ? {} : { [STAFF_CLAIMS.provider]: account.providerId }),
    ...(account.practiceOds === undefined ? {} : { [STAFF_CLAIMS.practice]: account.practiceOds }),
  };
}

/** Both loopback spellings of a loopback URL (a browser may use either; the given one first), else the URL alone. */
function loopbackAliases(url: string): string[] {
  const u = new URL(url);
  if (u.hostname !== 'localhost' && u.hostname !== '127.0.0.1') return [url];
  return [u.hostname, u.hostname === 'localhost' ? '127.0.0.1' : 'localhost'].map((h) => {
    const alias = new URL(url);
    alias.hostname = h;
    return alias.href.replace(/\/$/, url.endsWith('/') ? '/' : '');
  });
}

const STYLE = `
  body { font-family: Arial, Helvetica, sans-serif; font-size: 1rem; line-height: 1.5; margin: 0; padding: 1rem; color: #212b32; background: #f0f4f5; }
  main { max-width: 36rem; margin: 0 auto; background: #fff; padding: 1.5rem; border-radius: 4px; }
  h1 { font-size: 1.5rem; margin-top: 0; }
  h2 { font-size: 1.125rem; margin: 1.25rem 0 .5rem; }
  ul { list-style: none; padding: 0; margin: 0; }
  li { margin: .5rem 0; }
  button { font: inherit; font-size: 1rem; padding: .6rem 1rem; border-radius: 4px; border: 2px solid #005eb8; cursor: pointer; text-align: left; width: 100%; overflow-wrap: anywhere; }
  button.account { background: #007f3b; border-color: #007f3b; color: #fff; font-weight: bold; }
  button.cancel { background: #fff; color: #005eb8; width: auto; margin-top: 1.5rem; }
  button:focus { outline: 3px solid #ffeb3b; outline-offset: 2px; }
  .hint { color: #4c6272; }
`;

const page = (title: string, body: string): string => signInPageHtml(title, body, STYLE);
const CLIENT_NAMES: Record<string, string> = {
  [STAFF_CLIENTS.inbox]: 'The provider referral inbox',
  [STAFF_CLIENTS.itLead]: 'The practice IT-lead console',
};

/** The sign-in page: one "Sign in as …" button per account (the client's own kind first), and Cancel. */
export function signInPage(options: {
  action: string;
  clientId: string;
  accounts: readonly StaffAccount[];
}): string {
  const button = (a: StaffAccount) =>
    `<li><button type="submit" class="account" name="account" value="${escapeHtml(a.id)}">Sign in as ${escapeHtml(a.name)}</button></li>`;
  const itLeads = options.accounts.filter((a) => a.role === 'it-lead');
  const staff = options.accounts.filter((a) => a.role === 'provider-staff');
  const groups = [
    { heading: 'Provider staff', accounts: staff },
    { heading: 'Practice IT leads', accounts: itLeads },
  ];
  if (options.clientId === STAFF_CLIENTS.itLead) groups.reverse();
  const lists = groups
    .filter((g) => g.accounts.length > 0)
    .map((g) => `<h2>${g.heading}</h2>\n<ul>\n${g.accounts.map(button).join('\n')}\n</ul>`)
    .join('\n');
  const who = CLIENT_NAMES[options.clientId] ?? `The application ${options.clientId}`;
  return page(
    'Sign in to the referral hub (sandbox)',
    `<h1>Sign in to the referral hub</h1>
<p class="hint">${escapeHtml(who)} is asking you to sign in. In the sandbox, choose a synthetic staff account; no password is needed. In real use this is NHS Care Identity Service 2 (CIS2).</p>
<form method="post" action="${escapeHtml(options.action)}">
${lists}
<button type="submit" class="cancel" name="decision" value="deny">Cancel</button>
</form>`,
  );
}

/** A sign-in problem that cannot be sent back to the application. */
export function signInErrorPage(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>`);
}

/** What an error page says for oidc-provider's error (the technical detail in brackets at the end). */
export function signInErrorText(out: { error?: string; error_description?: string }): string {
  const what =
    out.error === 'invalid_redirect_uri'
      ? 'The page that asked you to sign in is not one this sign-in service knows, so it will not send you back there.'
      : out.error === 'invalid_client'
        ? 'The application that asked you to sign in is not registered with this sign-in service.'
        : 'The sign-in request could not be completed.';
  const detail = out.error_description ?? out.error;
  return `${what} Go back to the inbox or console and sign in again; if this keeps happening, tell your IT lead.${detail ? ` (${detail.replace(/\.?$/, '.')})` : ''}`;
}

async function readForm(req: IncomingMessage, limit = 16 * 1024): Promise<URLSearchParams | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Frame-Options': 'DENY',
  });
  res.end(html);
}

type Payload = Record<string, unknown> & {
  grantId?: string;
  uid?: string;
  userCode?: string;
  consumed?: number;
};

/**
 * oidc-provider's storage, in this process's memory (the sandbox forgets sign-ins when it stops, as
 * it forgets its keys): entries expire with their lifetime; a grant's tokens can be revoked together.
 */
function memoryAdapterFactory(): (model: string) => object {
  const entries = new Map<string, { payload: Payload; expiresAt: number }>();
  const now = () => Date.now();
  const live = (key: string): Payload | undefined => {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry.payload;
  };
  return (model: string) => {
    const key = (id: string) => `${model}:${id}`;
    const findBy = (field: 'uid' | 'userCode', value: string): Payload | undefined => {
      for (const [k, entry] of entries) {
        if (k.startsWith(`${model}:`) && entry.payload[field] === value) return live(k);
      }
      return undefined;
    };
    return {
      upsert: async (id: string, payload: Payload, expiresIn?: number) => {
        // Expired entries go when something new is stored, so the map stays small.
        for (const [k, entry] of entries) if (entry.expiresAt <= now()) entries.delete(k);
        entries.set(key(id), {
          payload,
          expiresAt: typeof expiresIn === 'number' ? now() + expiresIn * 1000 : Number.POSITIVE_INFINITY,
        });
      },
      find: async (id: string) => live(key(id)),
      findByUid: async (uid: string) => findBy('uid', uid),
      findByUserCode: async (userCode: string) => findBy('userCode', userCode),
      consume: async (id: string) => {
        const payload = live(key(id));
        if (payload) payload.consumed = Math.floor(now() / 1000);
      },
      destroy: async (id: string) => {
        entries.delete(key(id));
      },
      revokeByGrantId: async (grantId: string) => {
        for (const [k, entry] of entries) if (entry.payload.grantId === grantId) entries.delete(k);
      },
    };
  };
}

/**
 * The sign-in policy: the usual prompts, and the account list every time, even with a session, so
 * that after signing out of the inbox (which only forgets its token) the next person chooses who
 * they are rather than being signed in silently as the last one.
 */
function signInPolicy() {
  const policy = interactionPolicy.base();
  policy
    .get('login')
    ?.checks.push(
      new interactionPolicy.Check(
        'choose_account',
        'Choose the staff account to sign in as',
        (ctx) => ctx.oidc.result?.login === undefined,
      ),
    );
  return policy;
}

/** Creates the OpenID provider (signing key made now) and its handler for the sandbox's chain. */
export async function createSandboxOidc(options: SandboxOidcOptions): Promise<SandboxOidc> {
  const issuer = `${options.origin}${OIDC_MOUNT}`;
  const audience = options.audience ?? DEFAULT_OIDC_AUDIENCE;
  const accounts = [...options.accounts];
  const byId = new Map(accounts.map((a) => [a.id, a]));
  const hubUrls = loopbackAliases(options.hubUrl.replace(/\/+$/, ''));
  const hubOrigins = new Set(hubUrls.map((u) => new URL(u).origin));
  const redirectUris = {
    [STAFF_CLIENTS.inbox]: hubUrls.map((u) => `${u}/inbox/`),
    [STAFF_CLIENTS.itLead]: hubUrls.map((u) => `${u}/admin/`),
  };

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'RS256', use: 'sig' };

  const provider = new Provider(issuer, {
    adapter: memoryAdapterFactory(),
    clients: Object.entries(redirectUris).map(([clientId, uris]) => ({
      client_id: clientId,
      client_name: CLIENT_NAMES[clientId],
      token_endpoint_auth_method: 'none',
      application_type: 'web',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: uris,
    })),
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    pkce: { required: () => true },
    scopes: ['openid', STAFF_SCOPE],
    claims: {
      openid: ['sub'],
      [STAFF_SCOPE]: ['name', STAFF_CLAIMS.role, STAFF_CLAIMS.provider, STAFF_CLAIMS.practice],
    },
    features: {
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => {
          if (resource !== audience) {
            throw new errors.InvalidTarget(`This sign-in service issues tokens for ${audience} only.`);
          }
          return {
            scope: STAFF_SCOPE,
            audience,
            accessTokenFormat: 'jwt',
            accessTokenTTL: options.accessTokenTtl ?? 3600,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    findAccount: (_ctx: unknown, sub: string) => {
      const account = byId.get(sub);
      if (account === undefined) return undefined;
      return { accountId: sub, claims: () => ({ sub, ...staffClaims(account) }) };
    },
    extraTokenClaims: (_ctx: unknown, token: { kind?: string; accountId?: string }) => {
      const account = token.accountId === undefined ? undefined : byId.get(token.accountId);
      return account === undefined ? undefined : staffClaims(account);
    },
    // First-party clients: no consent screen; the grant covers the staff scope and the hub.
    loadExistingGrant: async (ctx: {
      oidc: {
        client: { clientId: string };
        session: { accountId?: string; grantIdFor(clientId: string): string | undefined };
        result?: { consent?: { grantId?: string } };
        provider: Provider;
      };
    }) => {
      const { client, session, provider: p } = ctx.oidc;
      const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      if (grantId) {
        const existing = await p.Grant.find(grantId);
        if (existing) return existing;
      }
      if (session.accountId === undefined) return undefined;
      const grant = new p.Grant({ accountId: session.accountId, clientId: client.clientId });
      grant.addOIDCScope(`openid ${STAFF_SCOPE}`);
      grant.addResourceScope(audience, STAFF_SCOPE);
      await grant.save();
      return grant;
    },
    clientBasedCORS: (_ctx: unknown, origin: string) => hubOrigins.has(origin),
    interactions: {
      policy: signInPolicy(),
      url: (_ctx: unknown, interaction: { uid: string }) => `${OIDC_MOUNT}/interaction/${interaction.uid}`,
    },
    renderError: (
      ctx: { type: string; body: string },
      out: { error?: string; error_description?: string },
    ) => {
      ctx.type = 'html';
      ctx.body = signInErrorPage('Sign-in did not work', signInErrorText(out));
    },
    ttl: {
      AccessToken: options.accessTokenTtl ?? 3600,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Grant: 8 * 3600,
      Session: 8 * 3600,
    },
  });
  const callback = provider.callback();

  const interaction = async (req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> => {
    let details: InteractionDetails;
    try {
      details = await provider.interactionDetails(req, res);
    } catch {
      sendHtml(
        res,
        400,
        signInErrorPage(
          'This sign-in has expired',
          'The sign-in page was open too long or was opened in another browser. Go back to the inbox or console and sign in again.',
        ),
      );
      return;
    }
    if (details.uid !== uid) {
      sendHtml(res, 400, signInErrorPage('This sign-in has expired', 'Go back and sign in again.'));
      return;
    }
    const clientId = String(details.params.client_id ?? '');
    const action = `${OIDC_MOUNT}/interaction/${encodeURIComponent(uid)}`;
    if (req.method === 'GET') {
      sendHtml(res, 200, signInPage({ action, clientId, accounts }));
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { Allow: 'GET, POST', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Use GET to see the sign-in page and POST to choose an account.\n');
      return;
    }
    const form = await readForm(req);
    if (form === undefined) {
      sendHtml(
        res,
        413,
        signInErrorPage('Sign-in did not work', 'The form was too large. Go back and try again.'),
      );
      return;
    }
    if (form.get('decision') === 'deny') {
      await provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'The staff member cancelled sign-in.' },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    const accountId = form.get('account') ?? details.session?.accountId;
    if (accountId === null || accountId === undefined || !byId.has(accountId)) {
      sendHtml(
        res,
        400,
        signInErrorPage(
          'Choose an account',
          'That account is not one of the sandbox’s staff. Go back and choose one from the list.',
        ),
      );
      return;
    }
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId } },
      { mergeWithLastSubmission: false },
    );
  };

  const handle: SandboxHandler = async (req, res, url) => {
    const p = url.pathname;
    if (p !== OIDC_MOUNT && !p.startsWith(`${OIDC_MOUNT}/`)) return false;
    const step = /^\/oidc\/interaction\/([A-Za-z0-9_-]{1,64})\/?$/.exec(p);
    if (step) {
      await interaction(req, res, step[1] as string);
      return true;
    }
    // oidc-provider routes on the path below its mount, and learns the mount from originalUrl.
    const original = req.url ?? '/';
    (req as IncomingMessage & { originalUrl?: string }).originalUrl = original;
    req.url = original.slice(OIDC_MOUNT.length) || '/';
    try {
      await callback(req, res);
    } finally {
      req.url = original;
    }
    return true;
  };

  return { issuer, audience, accounts, redirectUris, handle };
}
