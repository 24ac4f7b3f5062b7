/**
 * Tests' stand-in for an OpenID provider that signs staff access tokens: a local discovery document
 * and key set on 127.0.0.1 (as the sandbox's provider publishes them), so the hub's real
 * StaffTokenChecker verifies what `token` signs.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { DEFAULT_OIDC_AUDIENCE } from '../env.js';

export interface TestIssuer {
  /** The issuer URL (`http://127.0.0.1:<port>/oidc`). */
  readonly issuer: string;
  readonly audience: string;
  /** The signing key (kid `k1`, RS256), for tokens a test builds itself. */
  readonly privateKey: CryptoKey;
  /** A staff access token: RS256, kid k1, this issuer, `aud` (default the audience), `sub` from the claims, 5 minutes unless `expiresIn`. */
  token(claims: Record<string, unknown>, options?: { expiresIn?: string; aud?: string }): Promise<string>;
  close(): Promise<void>;
}

export async function startTestIssuer(audience: string = DEFAULT_OIDC_AUDIENCE): Promise<TestIssuer> {
  const pair = await generateKeyPair('RS256', { extractable: true });
  const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  let issuer = '';
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/oidc/.well-known/openid-configuration')
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    else if (req.url === '/oidc/jwks') res.end(JSON.stringify({ keys: [publicJwk] }));
    else res.writeHead(404).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oidc`;
  return {
    issuer,
    audience,
    privateKey: pair.privateKey,
    token: (claims, options = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(issuer)
        .setAudience(options.aud ?? audience)
        .setSubject(String(claims.sub))
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '5m')
        .sign(pair.privateKey),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
