// The test authorization server of oauth2kit's integration tests.
//
// A real, certified OpenID Provider (oidc-provider 9.13.3) configured for every feature the
// client library supports, plus a few routes under /test/ that only a test server has (request
// counters, a protected resource, headless approval of device codes and CIBA requests).
// tests/as/README.md lists the clients, the routes and the errors; tests/as_server.py starts it.
//
// Usage: node provider.mjs [--port N] [--mtls-port N] [--no-mtls]
//   (or AS_PORT / AS_MTLS_PORT in the environment). Port 0, the default, lets the kernel pick.
// It binds 127.0.0.1 only and prints exactly one line `READY <issuer>` on stdout once both
// listeners accept connections; logs go to stderr.

import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

import * as jose from 'jose';
import Provider, { errors } from 'oidc-provider';

const here = dirname(fileURLToPath(import.meta.url));
const HOST = '127.0.0.1';

// ---------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.AS_PORT ?? '0' },
    'mtls-port': { type: 'string', default: process.env.AS_MTLS_PORT ?? '0' },
    'no-mtls': { type: 'boolean', default: process.env.AS_NO_MTLS === '1' },
  },
});

// ---------------------------------------------------------------------------------------------
// Keys (committed fixtures, see make-keys.mjs)
// ---------------------------------------------------------------------------------------------

const readJson = (...parts) => JSON.parse(readFileSync(join(here, 'keys', ...parts), 'utf8'));
const readTls = (name) => readFileSync(join(here, 'keys', 'tls', name));

const asJwks = readJson('as-jwks.json');
const CLIENT_KEY_NAMES = ['pkjwt-es256', 'pkjwt-rs256', 'pkjwt-ps256', 'pkjwt-eddsa', 'enc-client'];

function publicJwk(privateJwk) {
  const { kid, use, alg } = privateJwk;
  return { ...createPublicKey({ key: privateJwk, format: 'jwk' }).export({ format: 'jwk' }), kid, use, alg };
}

const clientPublicJwks = Object.fromEntries(
  CLIENT_KEY_NAMES.map((name) => [name, { keys: [publicJwk(readJson('clients', `${name}.json`))] }]),
);
// Verifies RFC 9068 JWT access tokens at /test/protected without a network round trip.
const asPublicKeySet = jose.createLocalJWKSet({
  keys: asJwks.keys.filter((k) => k.use === 'sig').map(publicJwk),
});

// ---------------------------------------------------------------------------------------------
// Listeners first: the issuer and the mTLS aliases need the real port numbers.
// ---------------------------------------------------------------------------------------------

let app = (_req, res) => { res.statusCode = 503; res.end(); };
const plainServer = http.createServer((req, res) => app(req, res));
const mtlsServer = args['no-mtls'] ? undefined : https.createServer({
  key: readTls('server.key'),
  cert: readTls('server.pem'),
  ca: readTls('ca.pem'),
  // Ask for a client certificate but let the handshake succeed without one (or with one
  // from another CA): oidc-provider decides per client, through certificateAuthorized().
  requestCert: true,
  rejectUnauthorized: false,
}, (req, res) => app(req, res));

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(port), HOST, () => resolve(server.address().port));
  });
}

const port = await listen(plainServer, args.port);
const mtlsPort = mtlsServer ? await listen(mtlsServer, args['mtls-port']) : undefined;
const ISSUER = `http://${HOST}:${port}`;
const MTLS_ORIGIN = mtlsPort ? `https://${HOST}:${mtlsPort}` : undefined;

// ---------------------------------------------------------------------------------------------
// Storage: an in-memory adapter that forgets an entry only when it expires. The built-in one
// is an LRU of 1000 entries that silently drops live tokens under a long test run.
// ---------------------------------------------------------------------------------------------

const store = new Map(); // key -> { payload, expiresAt (ms epoch or Infinity) }
const grantIndex = new Map(); // grantId -> Set of keys
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode',
  'BackchannelAuthenticationRequest']);

function storeGet(key) {
  const entry = store.get(key);
  if (!entry) return undefined;
  if (entry.expiresAt <= Date.now()) {
    store.delete(key);
    return undefined;
  }
  return entry.value;
}

function storeSet(key, value, expiresIn) {
  // Keep entries a little past their expiry: oidc-provider itself checks `exp` (with its clock
  // tolerance) and reports "expired" rather than "not found" for such tokens.
  const expiresAt = typeof expiresIn === 'number' ? Date.now() + (expiresIn + 60) * 1000 : Infinity;
  store.set(key, { value, expiresAt });
}

// Bounded periodic sweep so that a long benchmark does not grow memory without limit.
setInterval(() => {
  const now = Date.now();
  for (const [key, entry] of store) if (entry.expiresAt <= now) store.delete(key);
}, 30_000).unref();

class TestAdapter {
  constructor(model) { this.model = model; }

  key(id) { return `${this.model}:${id}`; }

  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    if (this.model === 'Session') storeSet(`sessionUid:${payload.uid}`, id, expiresIn);
    if (payload.userCode) storeSet(`userCode:${payload.userCode}`, id, expiresIn);
    if (GRANTABLE.has(this.model) && payload.grantId) {
      if (!grantIndex.has(payload.grantId)) grantIndex.set(payload.grantId, new Set());
      grantIndex.get(payload.grantId).add(key);
    }
    storeSet(key, payload, expiresIn);
  }

  async find(id) { return storeGet(this.key(id)); }

  async findByUid(uid) {
    const id = storeGet(`sessionUid:${uid}`);
    return id ? this.find(id) : undefined;
  }

  async findByUserCode(userCode) {
    const id = storeGet(`userCode:${userCode}`);
    return id ? this.find(id) : undefined;
  }

  async consume(id) {
    const payload = storeGet(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) { store.delete(this.key(id)); }

  async revokeByGrantId(grantId) {
    for (const key of grantIndex.get(grantId) ?? []) store.delete(key);
    grantIndex.delete(grantId);
  }
}

// ---------------------------------------------------------------------------------------------
// Accounts: any login name is an account; claims are derived from it.
// ---------------------------------------------------------------------------------------------

async function findAccount(_ctx, sub) {
  return {
    accountId: sub,
    async claims() {
      return {
        sub,
        name: `Test User ${sub}`,
        given_name: 'Test',
        family_name: sub,
        preferred_username: sub,
        email: `${sub}@example.test`,
        email_verified: true,
        updated_at: 1764201600,
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Resource servers (RFC 8707). Identifiers are URNs: nothing is ever contacted at them.
// ---------------------------------------------------------------------------------------------

const RESOURCES = {
  'urn:oauth2kit:rs:opaque': {
    scope: 'api:read api:write',
    audience: 'urn:oauth2kit:rs:opaque',
    accessTokenFormat: 'opaque',
  },
  'urn:oauth2kit:rs:jwt': {
    scope: 'api:read api:write',
    audience: 'urn:oauth2kit:rs:jwt',
    accessTokenFormat: 'jwt', // RFC 9068, header typ "at+jwt"
    jwt: { sign: { alg: 'RS256' } },
  },
};

// ---------------------------------------------------------------------------------------------
// Static clients. README.md documents each one; keep the two in step.
// ---------------------------------------------------------------------------------------------

const REDIRECT = 'http://127.0.0.1/callback';
const API = 'api:read api:write';
const USER_SCOPES = `openid profile email offline_access ${API}`;
const CODE = {
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  redirect_uris: [REDIRECT],
  post_logout_redirect_uris: ['http://127.0.0.1/logged-out'],
  scope: USER_SCOPES,
};
const CC = { grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: API };
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';
const CIBA = 'urn:openid:params:grant-type:ciba';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

const pkjwt = (alg, name) => ({
  client_id: name,
  token_endpoint_auth_method: 'private_key_jwt',
  token_endpoint_auth_signing_alg: alg,
  jwks: clientPublicJwks[name],
  ...CODE,
  grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
});

const clients = [
  // --- client credentials, the first things the library needs
  { client_id: 'cc-basic', client_secret: 'cc-basic-secret', token_endpoint_auth_method: 'client_secret_basic', ...CC },
  { client_id: 'cc-post', client_secret: 'cc-post-secret', token_endpoint_auth_method: 'client_secret_post', ...CC },
  // Access tokens live 2 seconds, for renewal-after-expiry tests.
  { client_id: 'cc-short', client_secret: 'cc-short-secret', token_endpoint_auth_method: 'client_secret_basic', ...CC, test_access_token_ttl: 2 },
  // client_secret_jwt (HS256 over the secret).
  {
    client_id: 'cc-jwt-secret',
    client_secret: 'cc-jwt-secret-0123456789abcdef0123456789abcdef',
    token_endpoint_auth_method: 'client_secret_jwt',
    token_endpoint_auth_signing_alg: 'HS256',
    ...CC,
  },
  // The made-up magic-word grant of the third-party plugin test.
  {
    client_id: 'example-vendor', client_secret: 'example-vendor-secret',
    token_endpoint_auth_method: 'client_secret_basic',
    ...CC, grant_types: ['client_credentials', 'urn:oauth2kit:example:grant-type:magic-word'],
  },
  // --- authorization code
  { client_id: 'web-basic', client_secret: 'web-basic-secret', token_endpoint_auth_method: 'client_secret_basic', ...CODE },
  { client_id: 'web-post', client_secret: 'web-post-secret', token_endpoint_auth_method: 'client_secret_post', ...CODE },
  // Access tokens of 2 seconds from the code flow, for refresh-on-expiry tests.
  { client_id: 'web-short', client_secret: 'web-short-secret', token_endpoint_auth_method: 'client_secret_basic', ...CODE, test_access_token_ttl: 2 },
  // Public (native) client: PKCE required, refresh tokens rotate, client_credentials refused.
  { client_id: 'public-app', token_endpoint_auth_method: 'none', application_type: 'native', ...CODE },
  // --- private_key_jwt, one per algorithm
  pkjwt('ES256', 'pkjwt-es256'),
  pkjwt('RS256', 'pkjwt-rs256'),
  pkjwt('PS256', 'pkjwt-ps256'),
  pkjwt('EdDSA', 'pkjwt-eddsa'),
  // Same ES256 key, registered by jwks_uri (served by this server) to exercise the fetch path.
  {
    ...pkjwt('ES256', 'pkjwt-es256'),
    client_id: 'pkjwt-jwks-uri',
    jwks: undefined,
    jwks_uri: `${ISSUER}/test/jwks/pkjwt-es256`,
  },
  // --- sender-constrained tokens
  {
    client_id: 'dpop-client',
    client_secret: 'dpop-client-secret',
    token_endpoint_auth_method: 'client_secret_basic',
    dpop_bound_access_tokens: true,
    ...CODE,
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
  },
  {
    client_id: 'dpop-public',
    token_endpoint_auth_method: 'none',
    application_type: 'native',
    dpop_bound_access_tokens: true,
    ...CODE,
  },
  // --- authorization request variants
  { client_id: 'par-client', client_secret: 'par-client-secret', token_endpoint_auth_method: 'client_secret_basic', require_pushed_authorization_requests: true, ...CODE },
  {
    ...pkjwt('ES256', 'pkjwt-es256'),
    client_id: 'jar-client',
    require_signed_request_object: true,
    request_object_signing_alg: 'ES256',
  },
  { client_id: 'jarm-client', client_secret: 'jarm-client-secret', token_endpoint_auth_method: 'client_secret_basic', authorization_signed_response_alg: 'RS256', ...CODE },
  // ID tokens and userinfo encrypted to the client's RSA key (keys/clients/enc-client.json),
  // userinfo also signed (jwtUserinfo).
  {
    client_id: 'enc-client',
    client_secret: 'enc-client-secret',
    token_endpoint_auth_method: 'client_secret_basic',
    jwks: clientPublicJwks['enc-client'],
    id_token_signed_response_alg: 'RS256',
    id_token_encrypted_response_alg: 'RSA-OAEP-256',
    id_token_encrypted_response_enc: 'A256GCM',
    userinfo_signed_response_alg: 'RS256',
    userinfo_encrypted_response_alg: 'RSA-OAEP-256',
    userinfo_encrypted_response_enc: 'A256GCM',
    ...CODE,
  },
  // ID tokens signed with each of the server's key types (and HS256 with the client secret).
  ...['PS256', 'ES256', 'EdDSA', 'HS256'].map((alg) => ({
    client_id: `idt-${alg.toLowerCase()}`,
    client_secret: `idt-${alg.toLowerCase()}-secret-that-is-long-enough-for-hs256`,
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: alg,
    ...CODE,
  })),
  // Signed (not encrypted) userinfo responses.
  { client_id: 'jwt-userinfo', client_secret: 'jwt-userinfo-secret', token_endpoint_auth_method: 'client_secret_basic', userinfo_signed_response_alg: 'ES256', ...CODE },
  // Rich authorization requests (RFC 9396).
  {
    client_id: 'rar-client',
    client_secret: 'rar-client-secret',
    token_endpoint_auth_method: 'client_secret_basic',
    authorization_details_types: ['payment_initiation'],
    ...CODE,
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
  },
  // Back-channel logout: the logout token is POSTed to this server's own sink route.
  {
    client_id: 'logout-client',
    client_secret: 'logout-client-secret',
    token_endpoint_auth_method: 'client_secret_basic',
    backchannel_logout_uri: `${ISSUER}/test/backchannel-logout`,
    backchannel_logout_session_required: true,
    ...CODE,
  },
  // --- device flow and CIBA
  { client_id: 'device-client', token_endpoint_auth_method: 'none', grant_types: [DEVICE_CODE, 'refresh_token'], response_types: [], redirect_uris: [], scope: USER_SCOPES },
  { client_id: 'device-confidential', client_secret: 'device-confidential-secret', token_endpoint_auth_method: 'client_secret_basic', grant_types: [DEVICE_CODE, 'refresh_token'], response_types: [], redirect_uris: [], scope: USER_SCOPES },
  {
    client_id: 'ciba-client',
    client_secret: 'ciba-client-secret',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: [CIBA, 'refresh_token'],
    response_types: [],
    redirect_uris: [],
    backchannel_token_delivery_mode: 'poll',
    scope: USER_SCOPES,
  },
  // --- token exchange (RFC 8693), introspection, mTLS
  { client_id: 'exchanger', client_secret: 'exchanger-secret', token_endpoint_auth_method: 'client_secret_basic', grant_types: [TOKEN_EXCHANGE, 'client_credentials'], response_types: [], redirect_uris: [], scope: API },
  // --- resource owner password (RFC 6749 section 4.3) and JWT bearer (RFC 7523) grants,
  // both custom grants of this server (see below)
  { client_id: 'ropc-client', client_secret: 'ropc-client-secret', token_endpoint_auth_method: 'client_secret_basic', grant_types: ['password'], response_types: [], redirect_uris: [], scope: API },
  { client_id: 'jwt-bearer-client', client_secret: 'jwt-bearer-client-secret', token_endpoint_auth_method: 'client_secret_basic', grant_types: [JWT_BEARER], response_types: [], redirect_uris: [], scope: API },
  // A resource server: may introspect anyone's tokens.
  { client_id: 'rs-introspector', client_secret: 'rs-introspector-secret', token_endpoint_auth_method: 'client_secret_basic', grant_types: [], response_types: [], redirect_uris: [] },
  // Same, but always asks for JWT introspection responses (RFC 9701).
  { client_id: 'rs-introspector-jwt', client_secret: 'rs-introspector-jwt-secret', token_endpoint_auth_method: 'client_secret_basic', grant_types: [], response_types: [], redirect_uris: [], introspection_signed_response_alg: 'RS256' },
];

if (MTLS_ORIGIN) {
  clients.push({
    client_id: 'mtls-client',
    token_endpoint_auth_method: 'tls_client_auth',
    tls_client_auth_subject_dn: 'CN=mtls-client,O=oauth2kit tests',
    tls_client_certificate_bound_access_tokens: true,
    ...CC,
  });
  clients.push({
    // Authenticates with a secret, but its tokens are bound to whatever certificate it shows.
    client_id: 'mtls-bound',
    client_secret: 'mtls-bound-secret',
    token_endpoint_auth_method: 'client_secret_basic',
    tls_client_certificate_bound_access_tokens: true,
    ...CC,
  });
  // self_signed_tls_client_auth (RFC 8705 section 2.2): the client registers its self-signed
  // certificate as the x5c of a key in its jwks; the server matches the certificate's thumbprint.
  const selfSigned = new X509Certificate(readTls('self-signed-client.pem'));
  clients.push({
    client_id: 'mtls-self-signed',
    token_endpoint_auth_method: 'self_signed_tls_client_auth',
    jwks: { keys: [{ ...selfSigned.publicKey.export({ format: 'jwk' }), use: 'sig', x5c: [selfSigned.raw.toString('base64')] }] },
    tls_client_certificate_bound_access_tokens: true,
    ...CC,
  });
}

// ---------------------------------------------------------------------------------------------
// mTLS helpers: the certificate is the TLS peer certificate of the HTTPS listener.
// ---------------------------------------------------------------------------------------------

function peerCertificate(ctx) {
  const { socket } = ctx.req;
  if (typeof socket.getPeerCertificate !== 'function') return undefined; // plain http listener
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.raw) return undefined;
  return new X509Certificate(cert.raw);
}

// X509Certificate#subject lists RDNs one per line, most significant first; RFC 4514 strings
// (what tls_client_auth_subject_dn holds) list them least significant first, comma-separated.
const rfc4514 = (subject) => subject.split('\n').reverse().join(',');

const thumbprint = (x509) => createHash('sha256').update(x509.raw).digest('base64url');

// ---------------------------------------------------------------------------------------------
// Provider configuration
// ---------------------------------------------------------------------------------------------

const ttlFor = (client, fallback) => client?.test_access_token_ttl ?? fallback;

const mtlsAliases = MTLS_ORIGIN ? {
  token_endpoint: `${MTLS_ORIGIN}/token`,
  revocation_endpoint: `${MTLS_ORIGIN}/token/revocation`,
  introspection_endpoint: `${MTLS_ORIGIN}/token/introspection`,
  userinfo_endpoint: `${MTLS_ORIGIN}/me`,
  device_authorization_endpoint: `${MTLS_ORIGIN}/device/auth`,
  backchannel_authentication_endpoint: `${MTLS_ORIGIN}/backchannel`,
  pushed_authorization_request_endpoint: `${MTLS_ORIGIN}/request`,
} : undefined;

const cibaRequests = []; // auth_req_ids in trigger order, for GET /test/ciba
const backchannelLogouts = []; // logout tokens received by the sink route

const configuration = {
  adapter: TestAdapter,
  clients,
  findAccount,
  jwks: asJwks,
  // Fixed cookie keys: nothing to protect, and stable across restarts.
  cookies: { keys: ['oauth2kit-test-cookie-key'] },
  scopes: ['openid', 'offline_access', 'profile', 'email', 'api:read', 'api:write', 'api:admin'],
  claims: {
    openid: ['sub'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username', 'updated_at'],
    email: ['email', 'email_verified'],
  },
  // Test-only authorization parameters, see the interaction auto-finish middleware below.
  extraParams: ['test_login', 'test_deny'],
  extraClientMetadata: {
    properties: ['test_access_token_ttl'],
    validator(_ctx, key, value) {
      if (key === 'test_access_token_ttl' && value !== undefined && !(Number.isInteger(value) && value > 0)) {
        throw new errors.InvalidClientMetadata('test_access_token_ttl must be a positive integer');
      }
    },
  },
  // Authorization code only (plus `none`): no implicit or hybrid flows in an OAuth 2.1 client.
  responseTypes: ['code', 'none'],
  clientAuthMethods: [
    'client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'none',
    ...(MTLS_ORIGIN ? ['tls_client_auth', 'self_signed_tls_client_auth'] : []),
  ],
  clientBasedCORS: () => true,
  pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
  // Issue a refresh token whenever the client may use the refresh_token grant, even without
  // offline_access (which oidc-provider drops unless prompt=consent).
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  // Pass the claims a custom grant (token exchange) set through to the saved token.
  extraTokenClaims: async (_ctx, token) => token.extra,
  ttl: {
    AccessToken: (_ctx, token, client) => ttlFor(client, token.resourceServer?.accessTokenTTL ?? 3600),
    ClientCredentials: (_ctx, token, client) => ttlFor(client, token.resourceServer?.accessTokenTTL ?? 600),
    AuthorizationCode: 60,
    DeviceCode: 600,
    // A CIBA request lives for its requested_expiry when that is shorter (as the README says).
    BackchannelAuthenticationRequest: (ctx) => Math.min(600, Number(ctx?.oidc?.params?.requested_expiry) || 600),
    IdToken: 3600,
    RefreshToken: 14 * 24 * 3600,
    Interaction: 3600,
    Session: 14 * 24 * 3600,
    Grant: 14 * 24 * 3600,
  },
  discovery: mtlsAliases ? { mtls_endpoint_aliases: mtlsAliases } : {},
  enabledJWA: {
    // RS256 and PS256 DPoP proofs too, not only the default ES256/Ed25519/EdDSA.
    dPoPSigningAlgValues: ['ES256', 'PS256', 'RS256', 'Ed25519', 'EdDSA'],
    // HS256 ID tokens too (client idt-hs256), signed with the client secret.
    idTokenSigningAlgValues: ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256'],
  },
  // The built-in fetch refuses loopback addresses (SSRF guard); here every client jwks_uri and
  // back-channel logout URI is on loopback by design, so drop the guarding dispatcher.
  fetch: (url, options) => {
    const { dispatcher, ...rest } = options;
    return globalThis.fetch(url, rest);
  },
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    introspection: { enabled: true, allowedPolicy: async () => true },
    jwtIntrospection: { enabled: true },
    revocation: { enabled: true },
    userinfo: { enabled: true },
    jwtUserinfo: { enabled: true },
    encryption: { enabled: true },
    claimsParameter: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    backchannelLogout: { enabled: true },
    registration: { enabled: true, initialAccessToken: false },
    registrationManagement: { enabled: true, rotateRegistrationAccessToken: true },
    pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
    requestObjects: { enabled: true, requireSignedRequestObject: false },
    jwtResponseModes: { enabled: true },
    deviceFlow: { enabled: true },
    ciba: {
      enabled: true,
      deliveryModes: ['poll'],
      // login_hint is the account id (any non-empty string except "unknown").
      async processLoginHint(_ctx, loginHint) {
        return loginHint === 'unknown' ? undefined : loginHint;
      },
      async processLoginHintToken() {
        throw new errors.InvalidRequest('login_hint_token is not supported by the test server');
      },
      async verifyUserCode() {},
      async validateBindingMessage(_ctx, bindingMessage) {
        if (bindingMessage !== undefined && !/^[a-zA-Z0-9-._+/!?#]{1,20}$/.test(bindingMessage)) {
          throw new errors.InvalidBindingMessage('binding_message must match ^[a-zA-Z0-9-._+/!?#]{1,20}$');
        }
      },
      async validateRequestContext() {},
      async triggerAuthenticationDevice(_ctx, request) {
        cibaRequests.push(request.jti);
      },
    },
    dPoP: {
      enabled: true,
      // Fixed secret: nonces stay valid across a restart of the server within their window.
      nonceSecret: Buffer.alloc(32, 'oauth2kit-test-dpop-nonce-secret'),
      requireNonce: () => true,
    },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => undefined,
      useGrantedResource: async () => true,
      async getResourceServerInfo(_ctx, resourceIndicator) {
        const info = RESOURCES[resourceIndicator];
        if (!info) throw new errors.InvalidTarget();
        return info;
      },
    },
    richAuthorizationRequests: {
      enabled: true,
      types: {
        payment_initiation: {
          async validate(_ctx, detail) {
            if (typeof detail.instructedAmount?.amount !== 'string' || typeof detail.instructedAmount?.currency !== 'string') {
              throw new errors.InvalidAuthorizationDetails('payment_initiation needs instructedAmount.amount and .currency strings');
            }
          },
        },
      },
      // What the end-user consented to is what the code/device code carries.
      authorizationDetailsForGrantSource: (ctx) => ctx.oidc.grant?.rar,
      // Tokens get the details of their source (code flow) or of the request (client credentials).
      authorizationDetailsForAccessToken(ctx, _token, source) {
        if (source?.rar) return source.rar;
        const raw = ctx.oidc.params.authorization_details;
        return raw === undefined ? undefined : JSON.parse(raw);
      },
      authorizationDetailsForIntrospection: (_ctx, token) => token.rar,
    },
    mTLS: {
      enabled: Boolean(MTLS_ORIGIN),
      certificateBoundAccessTokens: true,
      tlsClientAuth: true,
      selfSignedTlsClientAuth: true,
      getCertificate: (ctx) => peerCertificate(ctx),
      certificateAuthorized: (ctx) => ctx.req.socket.authorized === true,
      certificateSubjectMatches(ctx, property, expected) {
        const cert = peerCertificate(ctx);
        if (!cert) return false;
        if (property === 'tls_client_auth_subject_dn') return rfc4514(cert.subject) === expected;
        if (property === 'tls_client_auth_san_dns') return (cert.subjectAltName ?? '').split(', ').includes(`DNS:${expected}`);
        return false;
      },
    },
  },
};

const provider = new Provider(ISSUER, configuration);

// ---------------------------------------------------------------------------------------------
// Token exchange (RFC 8693): not built in, registered as a custom grant.
// The subject token must be an access token of this server that is still active; the new token
// is a client-credentials-style token of the exchanging client that carries the subject (and
// the actor, if any) as extra claims, visible at /test/protected and at introspection.
// ---------------------------------------------------------------------------------------------

const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

// find() forgives expiry within the clock tolerance; a resource server here must not, or a
// test of renewal-after-expiry would pass for the wrong reason.
async function findActiveAccessToken(value) {
  if (typeof value !== 'string' || !value) return undefined;
  const token = (await provider.AccessToken.find(value)) ?? (await provider.ClientCredentials.find(value));
  return token && !token.isExpired ? token : undefined;
}

provider.registerGrantType(TOKEN_EXCHANGE, async (ctx) => {
  const { params, client } = ctx.oidc;
  if (!params.subject_token) throw new errors.InvalidRequest('missing required parameter subject_token');
  if (params.subject_token_type !== ACCESS_TOKEN_TYPE) {
    throw new errors.InvalidRequest(`subject_token_type must be ${ACCESS_TOKEN_TYPE}`);
  }
  if (params.requested_token_type && params.requested_token_type !== ACCESS_TOKEN_TYPE) {
    throw new errors.InvalidRequest(`requested_token_type must be ${ACCESS_TOKEN_TYPE}`);
  }
  const subject = await findActiveAccessToken(params.subject_token);
  if (!subject) throw new errors.InvalidGrant('subject_token is invalid or expired');

  let actor;
  if (params.actor_token) {
    if (params.actor_token_type !== ACCESS_TOKEN_TYPE) {
      throw new errors.InvalidRequest(`actor_token_type must be ${ACCESS_TOKEN_TYPE}`);
    }
    actor = await findActiveAccessToken(params.actor_token);
    if (!actor) throw new errors.InvalidGrant('actor_token is invalid or expired');
  }

  // The exchanged token may narrow, never widen, the subject token's scope.
  const subjectScopes = new Set((subject.scope ?? '').split(' ').filter(Boolean));
  const requested = params.scope ? params.scope.split(' ') : [...subjectScopes];
  for (const scope of requested) {
    if (!subjectScopes.has(scope)) throw new errors.InvalidScope('scope exceeds the subject token scope', scope);
  }

  let resourceServer;
  if (params.resource) {
    const info = RESOURCES[params.resource];
    if (!info) throw new errors.InvalidTarget();
    resourceServer = new provider.ResourceServer(params.resource, info);
  }

  const token = new provider.ClientCredentials({
    client,
    scope: requested.join(' ') || undefined,
    extra: {
      sub: subject.accountId ?? subject.clientId,
      ...(actor ? { act: { sub: actor.accountId ?? actor.clientId } } : {}),
      ...(params.audience ? { token_exchange_audience: params.audience } : {}),
    },
  });
  if (resourceServer) token.resourceServer = resourceServer;
  ctx.oidc.entity('ClientCredentials', token);
  const value = await token.save();
  ctx.body = {
    access_token: value,
    issued_token_type: ACCESS_TOKEN_TYPE,
    token_type: 'Bearer',
    expires_in: token.expiration,
    scope: token.scope,
  };
}, ['subject_token', 'subject_token_type', 'actor_token', 'actor_token_type',
  'requested_token_type', 'audience', 'resource', 'scope'], ['audience', 'resource']);

// ---------------------------------------------------------------------------------------------
// A made-up grant for the third-party plugin test (tests/plugins/oauth2kit-example): it issues
// a client-credentials-style token when the client says the magic word, and answers
// invalid_grant otherwise. It exists so that a custom grant registered by a pip-installed
// plugin can be exercised against a real server.
// ---------------------------------------------------------------------------------------------

const MAGIC_WORD_GRANT = 'urn:oauth2kit:example:grant-type:magic-word';

provider.registerGrantType(MAGIC_WORD_GRANT, async (ctx) => {
  const { params, client } = ctx.oidc;
  if (params.magic_word !== 'please') throw new errors.InvalidGrant('that is not the magic word');
  const token = new provider.ClientCredentials({ client, scope: params.scope || undefined });
  ctx.oidc.entity('ClientCredentials', token);
  const value = await token.save();
  ctx.body = { access_token: value, token_type: 'Bearer', expires_in: token.expiration, scope: token.scope };
}, ['magic_word', 'scope']);

// ---------------------------------------------------------------------------------------------
// The resource owner password grant (RFC 6749 section 4.3) and the JWT bearer grant (RFC 7523
// section 2.1): not built in, registered as custom grants. Both issue an access token of the
// user to the requesting client (its `sub` shows at /test/protected; no refresh token).
// - password: any username; its password is `<username>-password`.
// - jwt-bearer: the assertion is a JWT issued by the client itself (`iss` = client_id), signed
//   ES256 with the key keys/clients/pkjwt-es256.json, `aud` = the issuer or the token endpoint,
//   with `sub` (the user) and `exp`.
// `scope` must be a subset of the client's scopes (default: all of them).
// ---------------------------------------------------------------------------------------------

const JWT_BEARER_ISSUER_KEYS = {
  'jwt-bearer-client': jose.createLocalJWKSet(clientPublicJwks['pkjwt-es256']),
};

function clientScope(client, scope) {
  const allowed = new Set((client.scope ?? '').split(' ').filter(Boolean));
  const requested = scope ? scope.split(' ').filter(Boolean) : [...allowed];
  for (const name of requested) {
    if (!allowed.has(name)) throw new errors.InvalidScope('requested scope is not allowed', name);
  }
  return requested.join(' ') || undefined;
}

async function issueUserToken(ctx, accountId) {
  const { params, client } = ctx.oidc;
  const scope = clientScope(client, params.scope);
  const grant = await grantFor({ clientId: client.clientId, accountId, scope });
  const token = new provider.AccessToken({ accountId, client, grantId: grant.jti, scope, gty: ctx.oidc.params.grant_type });
  ctx.oidc.entity('AccessToken', token);
  const value = await token.save();
  ctx.body = { access_token: value, token_type: 'Bearer', expires_in: token.expiration, scope: token.scope };
}

provider.registerGrantType('password', async (ctx) => {
  const { username, password } = ctx.oidc.params;
  if (!username || password !== `${username}-password`) {
    throw new errors.InvalidGrant('invalid resource owner credentials');
  }
  await issueUserToken(ctx, username);
}, ['username', 'password', 'scope']);

provider.registerGrantType(JWT_BEARER, async (ctx) => {
  const { params, client } = ctx.oidc;
  const keys = JWT_BEARER_ISSUER_KEYS[client.clientId];
  if (!keys) throw new errors.UnauthorizedClient('no trusted assertion issuer for this client');
  let payload;
  try {
    ({ payload } = await jose.jwtVerify(params.assertion, keys, {
      issuer: client.clientId,
      audience: [ISSUER, `${ISSUER}/token`],
      requiredClaims: ['sub', 'exp'],
      algorithms: ['ES256'],
    }));
  } catch (err) {
    throw new errors.InvalidGrant(`invalid assertion: ${err.code ?? err.message}`);
  }
  await issueUserToken(ctx, payload.sub);
}, ['assertion', 'scope']);

// ---------------------------------------------------------------------------------------------
// Test-only middleware
// ---------------------------------------------------------------------------------------------

const tokenCounts = new Map(); // client_id -> POSTs to /token

function basicClientId(header) {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString();
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
  } catch {
    return decoded.slice(0, colon);
  }
}

function assertionSubject(assertion) {
  try {
    return jose.decodeJwt(assertion).sub;
  } catch {
    return undefined;
  }
}

async function readRaw(ctx) {
  const chunks = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += chunk.length;
    if (size > 64 * 1024) ctx.throw(413);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString();
}

const UNAUTHORIZED_GRANT = 'requested grant type is not allowed for this client';

// The token endpoint wrapper:
// - counts every POST, failures included, per client id (Basic user, body client_id, or the
//   `sub` of a client assertion);
// - answers invalid_scope for client_credentials scopes that this server does not know at all
//   (oidc-provider would silently drop them and issue a token without them);
// - turns oidc-provider's `invalid_request` "requested grant type is not allowed for this
//   client" into RFC 6749 section 5.2's `unauthorized_client`.
// The form body is read here and handed to oidc-provider as a string on req.body, which its
// body parser accepts in place of the consumed stream.
provider.use(async (ctx, next) => {
  if (ctx.method !== 'POST' || ctx.path !== '/token') return next();
  let body = {};
  if (ctx.is('application/x-www-form-urlencoded')) {
    const raw = await readRaw(ctx);
    ctx.req.body = raw;
    body = Object.fromEntries(new URLSearchParams(raw));
  }
  const clientId = basicClientId(ctx.get('authorization'))
    ?? body.client_id
    ?? (body.client_assertion ? assertionSubject(body.client_assertion) : undefined)
    ?? '(unknown)';
  tokenCounts.set(clientId, (tokenCounts.get(clientId) ?? 0) + 1);

  if (body.grant_type === 'client_credentials' && body.scope) {
    const unknown = body.scope.split(' ').filter((scope) => scope && !configuration.scopes.includes(scope));
    if (unknown.length) {
      json(ctx, 400, { error: 'invalid_scope', error_description: 'requested scope is not allowed', scope: unknown.join(' ') });
      return undefined;
    }
  }

  await next();
  if (ctx.status === 400 && ctx.body?.error === 'invalid_request' && ctx.body.error_description === UNAUTHORIZED_GRANT) {
    ctx.body = { ...ctx.body, error: 'unauthorized_client' };
  }
  return undefined;
});

// Finishes login and consent without a browser when the authorization request carried
// test_login=<account id> (test_deny=1 makes the end-user refuse instead).
provider.use(async (ctx, next) => {
  const match = /^\/interaction\/([^/]+)$/.exec(ctx.path);
  if (ctx.method !== 'GET' || !match) return next();
  let details;
  try {
    details = await provider.interactionDetails(ctx.req, ctx.res);
  } catch {
    return next(); // let devInteractions render its own error
  }
  const { prompt, params, session, grantId } = details;
  if (!params.test_login) return next();

  if (params.test_deny) {
    return provider.interactionFinished(ctx.req, ctx.res, {
      error: 'access_denied', error_description: 'End-User refused (test_deny)',
    }, { mergeWithLastSubmission: false }).then(() => { ctx.respond = false; });
  }

  let result;
  if (prompt.name === 'login') {
    result = { login: { accountId: String(params.test_login) } };
  } else if (prompt.name === 'consent') {
    const grant = grantId
      ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const missing = prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    for (const detail of missing.rar ?? []) grant.addRar(detail);
    result = { consent: { grantId: await grant.save() } };
  } else {
    return next();
  }
  await provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
  ctx.respond = false; // interactionFinished wrote the 303 itself
  return undefined;
});

function json(ctx, status, body) {
  ctx.status = status;
  ctx.type = 'application/json';
  ctx.body = body;
}

async function readForm(ctx) {
  const raw = await readRaw(ctx);
  if (ctx.is('application/json')) return raw ? JSON.parse(raw) : {};
  return Object.fromEntries(new URLSearchParams(raw));
}

// Grants everything a request asked for (scope, claims, resource, authorization details), as
// a consenting end-user would.
async function grantFor({ clientId, accountId, scope, resource, claims, rar }) {
  const grant = new provider.Grant({ accountId, clientId });
  if (scope) grant.addOIDCScope(scope);
  const claimNames = [...Object.keys(claims?.id_token ?? {}), ...Object.keys(claims?.userinfo ?? {})];
  if (claimNames.length) grant.addOIDCClaims(claimNames);
  for (const indicator of [resource].flat().filter(Boolean)) grant.addResourceScope(indicator, scope ?? '');
  for (const detail of rar ?? []) grant.addRar(detail);
  await grant.save();
  return grant;
}

const normalizeUserCode = (input) => String(input).replace(/[^A-Za-z]/g, '').toUpperCase();

function unauthorized(ctx, scheme, error, description) {
  ctx.set('WWW-Authenticate', `${scheme} error="${error}", error_description="${description}"`);
  json(ctx, 401, { error, error_description: description });
}

// The protected resource: accepts this server's access tokens (opaque, JWT, Bearer, DPoP or
// certificate-bound) and tells who they belong to.
async function protectedResource(ctx) {
  const match = /^(Bearer|DPoP)\s+(\S+)$/i.exec(ctx.get('authorization'));
  if (!match) {
    ctx.set('WWW-Authenticate', 'Bearer realm="oauth2kit-test"');
    json(ctx, 401, { error: 'invalid_request', error_description: 'no access token' });
    return;
  }
  const scheme = match[1].toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
  const value = match[2];

  let info;
  const opaque = await findActiveAccessToken(value);
  if (opaque) {
    info = {
      client_id: opaque.clientId,
      scope: opaque.scope ?? null,
      sub: opaque.extra?.sub ?? opaque.accountId ?? null,
      act: opaque.extra?.act ?? null,
      aud: opaque.aud ?? null,
      jkt: opaque.jkt ?? null,
      x5t: opaque['x5t#S256'] ?? null,
      authorization_details: opaque.rar ?? null,
      format: 'opaque',
    };
  } else if (value.split('.').length === 3) {
    try {
      const { payload } = await jose.jwtVerify(value, asPublicKeySet, { issuer: ISSUER, typ: 'at+jwt' });
      info = {
        client_id: payload.client_id,
        scope: payload.scope ?? null,
        sub: payload.sub ?? null,
        act: payload.act ?? null,
        aud: payload.aud ?? null,
        jkt: payload.cnf?.jkt ?? null,
        x5t: payload.cnf?.['x5t#S256'] ?? null,
        authorization_details: payload.authorization_details ?? null,
        format: 'jwt',
      };
    } catch {
      info = undefined;
    }
  }
  if (!info) {
    unauthorized(ctx, scheme, 'invalid_token', 'the access token is invalid or expired');
    return;
  }

  if (info.jkt) {
    if (scheme !== 'DPoP') {
      unauthorized(ctx, 'DPoP', 'invalid_token', 'DPoP-bound token presented as Bearer');
      return;
    }
    const proof = ctx.get('dpop');
    try {
      const { payload, protectedHeader } = await jose.jwtVerify(proof, jose.EmbeddedJWK, {
        typ: 'dpop+jwt', maxTokenAge: 300, clockTolerance: 15,
      });
      const htu = new URL(ctx.href);
      htu.search = '';
      htu.hash = '';
      const ath = createHash('sha256').update(value).digest('base64url');
      if (payload.htm !== ctx.method || payload.htu !== htu.href || payload.ath !== ath
        || await jose.calculateJwkThumbprint(protectedHeader.jwk) !== info.jkt) {
        throw new Error('proof mismatch');
      }
    } catch {
      unauthorized(ctx, 'DPoP', 'invalid_dpop_proof', 'missing or invalid DPoP proof');
      return;
    }
  } else if (scheme === 'DPoP') {
    unauthorized(ctx, 'Bearer', 'invalid_token', 'Bearer token presented with the DPoP scheme');
    return;
  }

  if (info.x5t) {
    const cert = peerCertificate(ctx);
    if (!cert || thumbprint(cert) !== info.x5t) {
      unauthorized(ctx, scheme, 'invalid_token', 'certificate-bound token without its certificate');
      return;
    }
  }

  json(ctx, 200, info);
}

provider.use(async (ctx, next) => {
  if (!ctx.path.startsWith('/test/')) return next();
  const route = `${ctx.method} ${ctx.path}`;

  if (route === 'GET /test/counters') {
    json(ctx, 200, { token: Object.fromEntries(tokenCounts) });
  } else if (route === 'POST /test/counters/reset') {
    tokenCounts.clear();
    json(ctx, 200, { token: {} });
  } else if (ctx.path === '/test/protected') {
    await protectedResource(ctx);
  } else if (route === 'POST /test/device/approve') {
    // Body: user_code, account_id (default "alice"), deny ("1" to refuse).
    const body = await readForm(ctx);
    const code = await provider.DeviceCode.findByUserCode(normalizeUserCode(body.user_code ?? ''), { ignoreExpiration: true });
    if (!code) return json(ctx, 404, { error: 'not_found', error_description: 'unknown user_code' });
    if (code.isExpired) return json(ctx, 400, { error: 'expired_token' });
    if (code.accountId || code.error) return json(ctx, 409, { error: 'already_used' });
    if (body.deny && body.deny !== '0') {
      Object.assign(code, { error: 'access_denied', errorDescription: 'End-User refused (test route)' });
    } else {
      // What the device authorization request asked for lives in code.params; the HTML
      // verification flow copies it onto the code the same way once the user consents.
      const accountId = body.account_id || 'alice';
      const { params = {} } = code;
      const claims = params.claims ? JSON.parse(params.claims) : undefined;
      const resource = [params.resource].flat().filter(Boolean);
      const rar = params.authorization_details ? JSON.parse(params.authorization_details) : undefined;
      const grant = await grantFor({ clientId: code.clientId, accountId, scope: params.scope, resource, claims, rar });
      Object.assign(code, {
        accountId,
        grantId: grant.jti,
        authTime: Math.floor(Date.now() / 1000),
        scope: params.scope,
        claims,
        resource: resource.length > 1 ? resource : resource[0],
        rar,
        expiresWithSession: false,
      });
    }
    await code.save();
    json(ctx, 200, { client_id: code.clientId, scope: code.scope ?? null, approved: !code.error });
  } else if (route === 'GET /test/ciba') {
    json(ctx, 200, { auth_req_ids: cibaRequests });
  } else if (route === 'POST /test/ciba/approve') {
    // Body: auth_req_id, deny ("1" to refuse).
    const body = await readForm(ctx);
    const request = await provider.BackchannelAuthenticationRequest.find(String(body.auth_req_id ?? ''), { ignoreExpiration: true });
    if (!request) return json(ctx, 404, { error: 'not_found', error_description: 'unknown auth_req_id' });
    if (request.accountId && (request.grantId || request.error)) return json(ctx, 409, { error: 'already_used' });
    if (body.deny && body.deny !== '0') {
      await provider.backchannelResult(request, new errors.AccessDenied('End-User refused (test route)'));
    } else {
      const grant = await grantFor(request);
      await provider.backchannelResult(request, grant, { authTime: Math.floor(Date.now() / 1000), expiresWithSession: false });
    }
    json(ctx, 200, { client_id: request.clientId, account_id: request.accountId, approved: !(body.deny && body.deny !== '0') });
  } else if (ctx.path.startsWith('/test/jwks/') && ctx.method === 'GET') {
    const jwks = clientPublicJwks[ctx.path.slice('/test/jwks/'.length)];
    if (!jwks) return json(ctx, 404, { error: 'not_found' });
    json(ctx, 200, jwks);
  } else if (route === 'POST /test/backchannel-logout') {
    const body = await readForm(ctx);
    backchannelLogouts.push(body.logout_token);
    ctx.status = 200;
    ctx.body = '';
  } else if (route === 'GET /test/backchannel-logout') {
    json(ctx, 200, { logout_tokens: backchannelLogouts });
  } else {
    json(ctx, 404, { error: 'not_found', error_description: `no test route ${route}` });
  }
  return undefined;
});

provider.on('server_error', (_ctx, err) => console.error('server_error', err));

app = provider.callback();
// The mTLS origin is in the discovery document (mtls_endpoint_aliases), not on this line.
process.stdout.write(`READY ${ISSUER}\n`);

// Stop cleanly when the test harness terminates us.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    plainServer.close();
    mtlsServer?.close();
    process.exit(0);
  });
}
