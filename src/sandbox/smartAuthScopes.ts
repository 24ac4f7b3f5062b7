/**
 * SMART App Launch 2.2 scopes for the sandbox authorization server: parsing (v2 `.cruds` syntax and
 * v1 `.read`/`.write`/`.*`), and the intersection of what a client asks for with what it is allowed.
 *
 * A resource scope is `context/Type.perms[?query]` with context `patient`, `user` or `system`, Type a
 * FHIR resource type or `*`, and perms an ordered, non-empty subset of `cruds` (v2) or `read`,
 * `write`, `*` (v1: `.read` = `.rs`, `.write` = `.cud`, `.*` = `.cruds`).
 */

export type ScopeContext = 'patient' | 'user' | 'system';

/** A parsed resource scope. `perms` is always in `cruds` order. */
export interface ResourceScope {
  context: ScopeContext;
  resourceType: string;
  perms: string;
  query: string | undefined;
  /** The scope was written in SMART v1 syntax. */
  v1: boolean;
  text: string;
}

const PERM_ORDER = 'cruds';
const RESOURCE_SCOPE = /^(patient|user|system)\/(\*|[A-Z][A-Za-z]+)\.([a-z*]+)(\?.+)?$/;
const V1_PERMS: Record<string, string> = { read: 'rs', write: 'cud', '*': 'cruds' };

/** True when `perms` is a non-empty, ordered subset of `cruds` without repeats. */
function isV2Perms(perms: string): boolean {
  let last = -1;
  for (const p of perms) {
    const i = PERM_ORDER.indexOf(p);
    if (i <= last) return false;
    last = i;
  }
  return perms.length > 0;
}

/** A resource scope, or undefined when `text` is not one (e.g. `openid`, `launch`, or malformed). */
export function parseResourceScope(text: string): ResourceScope | undefined {
  const m = RESOURCE_SCOPE.exec(text);
  if (m === null) return undefined;
  const [, context, resourceType, rawPerms, query] = m as unknown as [
    string,
    ScopeContext,
    string,
    string,
    string?,
  ];
  const v1Perms = V1_PERMS[rawPerms];
  if (v1Perms !== undefined) {
    // v1 has no query form.
    if (query !== undefined) return undefined;
    return { context, resourceType, perms: v1Perms, query: undefined, v1: true, text };
  }
  if (!isV2Perms(rawPerms)) return undefined;
  return { context, resourceType, perms: rawPerms, query, v1: false, text };
}

/** Scopes that are not resource scopes and that this server knows. */
export const NON_RESOURCE_SCOPES = [
  'launch',
  'launch/patient',
  'launch/encounter',
  'openid',
  'fhirUser',
  'profile',
  'online_access',
  'offline_access',
] as const;

/** Splits a space-separated scope string, dropping empty items and repeats (order kept). */
export function splitScopes(scope: string | null | undefined): string[] {
  if (scope === null || scope === undefined) return [];
  return [...new Set(scope.split(/[ \t\r\n]+/).filter((s) => s.length > 0))];
}

/** OAuth scope tokens are printable ASCII except space, double quote and backslash (RFC 6749 §3.3). */
export function isValidScopeToken(token: string): boolean {
  return /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(token);
}

function intersectPerms(a: string, b: string): string {
  let out = '';
  for (const p of PERM_ORDER) if (a.includes(p) && b.includes(p)) out += p;
  return out;
}

function scopeText(context: string, resourceType: string, perms: string, query: string | undefined): string {
  return `${context}/${resourceType}.${perms}${query ?? ''}`;
}

/**
 * What the client may have of one requested scope, given the client's allowed scopes: zero, one or
 * (for a `*` type the client may only have per type) several scopes. A resource scope is narrowed to
 * the permissions allowed (`patient/Observation.cruds` → `patient/Observation.rs`); a v1 scope granted
 * in full keeps its v1 spelling. Allowed scopes are unrestricted by query (a query narrows, so a
 * requested `?category=…` scope is granted when its type and permissions are).
 */
export function grantScope(requested: string, allowed: readonly string[]): string[] {
  const r = parseResourceScope(requested);
  if (r === undefined) return allowed.includes(requested) ? [requested] : [];
  const rules = allowed.map(parseResourceScope).filter((a) => a !== undefined && a.context === r.context);
  const permsFor = (type: string): string => {
    let perms = '';
    for (const a of rules) {
      if (a !== undefined && a.query === undefined && (a.resourceType === '*' || a.resourceType === type)) {
        perms = intersectPerms(PERM_ORDER, perms + a.perms);
      }
    }
    return intersectPerms(r.perms, perms);
  };
  const whole = permsFor(r.resourceType);
  if (whole.length > 0) {
    if (whole === r.perms) return [r.text];
    return [scopeText(r.context, r.resourceType, whole, r.query)];
  }
  if (r.resourceType !== '*') return [];
  // `patient/*.rs` for a client allowed only named types: the named types, each narrowed.
  const out: string[] = [];
  for (const a of rules) {
    if (a === undefined || a.resourceType === '*' || a.query !== undefined) continue;
    const perms = permsFor(a.resourceType);
    const text = scopeText(r.context, a.resourceType, perms, r.query);
    if (perms.length > 0 && !out.includes(text)) out.push(text);
  }
  return out;
}

/** Requested ∩ allowed, in the order asked, without repeats. */
export function intersectScopes(requested: readonly string[], allowed: readonly string[]): string[] {
  const out: string[] = [];
  for (const s of requested) for (const g of grantScope(s, allowed)) if (!out.includes(g)) out.push(g);
  return out;
}

/**
 * The "invalid_scope" simulated error: the same grant without any create, update or delete
 * permission and without refresh (`online_access`, `offline_access`). When that removes nothing, every
 * resource scope other than those on Patient is removed too, and failing that every resource scope, so
 * the grant is smaller whenever it holds any resource scope or refresh.
 */
export function reduceScopes(granted: readonly string[]): string[] {
  const out: string[] = [];
  for (const s of granted) {
    if (s === 'online_access' || s === 'offline_access') continue;
    const r = parseResourceScope(s);
    if (r === undefined) {
      out.push(s);
      continue;
    }
    const perms = intersectPerms(r.perms, 'rs');
    if (perms === r.perms) out.push(s);
    else if (perms.length > 0) out.push(scopeText(r.context, r.resourceType, perms, r.query));
  }
  const same = (list: string[]) => list.length === granted.length && list.every((s, i) => s === granted[i]);
  if (!same(out)) return out;
  const withoutOthers = out.filter((s) => (parseResourceScope(s)?.resourceType ?? 'Patient') === 'Patient');
  if (!same(withoutOthers)) return withoutOthers;
  return out.filter((s) => parseResourceScope(s) === undefined);
}
