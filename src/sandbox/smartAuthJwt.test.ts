import { generateSigningKey, rsaThumbprint, signJwt, verifyJwt } from './smartAuthJwt.js';

const key = generateSigningKey();

describe('RS256 id_token signing', () => {
  it('signs a compact JWS whose header names RS256 and the key id', () => {
    const jwt = signJwt({ iss: 'http://127.0.0.1/fhir', sub: 'Practitioner/gp-1' }, key);
    const [header] = jwt.split('.');
    expect(JSON.parse(Buffer.from(header ?? '', 'base64url').toString())).toEqual({
      alg: 'RS256',
      typ: 'JWT',
      kid: key.jwk.kid,
    });
    expect(verifyJwt(jwt, key.jwk)).toEqual({ iss: 'http://127.0.0.1/fhir', sub: 'Practitioner/gp-1' });
  });

  it('rejects a changed payload, another key and malformed tokens', () => {
    const jwt = signJwt({ sub: 'a' }, key);
    const [h, , s] = jwt.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ sub: 'b' })).toString('base64url')}.${s}`;
    expect(verifyJwt(forged, key.jwk)).toBeUndefined();
    expect(verifyJwt(jwt, generateSigningKey().jwk)).toBeUndefined();
    expect(verifyJwt('a.b', key.jwk)).toBeUndefined();
    expect(verifyJwt('!.!.!', key.jwk)).toBeUndefined();
  });

  it('publishes a public JWK only', () => {
    expect(Object.keys(key.jwk).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
  });

  it('computes the RFC 7638 §3.1 example thumbprint', () => {
    const n =
      '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw';
    expect(rsaThumbprint({ n, e: 'AQAB' })).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });
});
