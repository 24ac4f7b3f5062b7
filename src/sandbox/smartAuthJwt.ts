/**
 * RS256 signing for the sandbox authorization server's id_tokens, and its public JWK Set.
 *
 * Written on node:crypto rather than jose: jose 6 is ESM-only, and jest here compiles to CommonJS
 * without transforming node_modules, so a module importing jose cannot be loaded by any test. The
 * tokens are standard compact JWS (RFC 7515) that jose's `jwtVerify` with `createRemoteJWKSet`
 * accepts; the key id is the RFC 7638 JWK thumbprint.
 */
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';

export interface PublicJwk {
  kty: 'RSA';
  n: string;
  e: string;
  kid: string;
  alg: 'RS256';
  use: 'sig';
}

export interface SigningKey {
  privateKey: KeyObject;
  jwk: PublicJwk;
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/** RFC 7638 thumbprint of an RSA public key: SHA-256 over `{"e","kty","n"}` in that order, base64url. */
export function rsaThumbprint(jwk: { e: string; n: string }): string {
  return b64url(
    createHash('sha256')
      .update(JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n }))
      .digest(),
  );
}

/** A fresh 2048-bit RSA signing key (generated once per process by the server). */
export function generateSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const exported = publicKey.export({ format: 'jwk' }) as { n: string; e: string };
  return {
    privateKey,
    jwk: { kty: 'RSA', n: exported.n, e: exported.e, kid: rsaThumbprint(exported), alg: 'RS256', use: 'sig' },
  };
}

/** A compact JWS (`header.payload.signature`) of `claims`, RS256, with the key's `kid`. */
export function signJwt(claims: Record<string, unknown>, key: SigningKey): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: key.jwk.kid }));
  const payload = b64url(JSON.stringify(claims));
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), key.privateKey);
  return `${header}.${payload}.${b64url(signature)}`;
}

/**
 * The claims of an RS256 compact JWS when its signature verifies against `jwk`, else undefined.
 * (Checks the signature only; the caller checks iss, aud and exp.)
 */
export function verifyJwt(token: string, jwk: { n: string; e: string }): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [header, payload, signature] = parts as [string, string, string];
  try {
    const h = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown };
    if (h.alg !== 'RS256') return undefined;
    const key = createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' });
    const ok = verify(
      'sha256',
      Buffer.from(`${header}.${payload}`),
      key,
      Buffer.from(signature, 'base64url'),
    );
    if (!ok) return undefined;
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
