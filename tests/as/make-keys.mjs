// Regenerates every key and certificate under tests/as/keys/.
//
// The results are committed test fixtures: they protect nothing and exist only so that a
// test run never spends seconds generating RSA keys. Run `node make-keys.mjs` (needs the
// `openssl` command for the X.509 part) and commit the changed files together with any
// test expectations that depend on key ids.

import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const keysDir = join(here, 'keys');
const clientsDir = join(keysDir, 'clients');
const tlsDir = join(keysDir, 'tls');

function jwk(type, options, extra) {
  const { privateKey } = generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: 'jwk' }), ...extra };
}

function writeJson(path, value) {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

const rsa = { modulusLength: 2048 };
const p256 = { namedCurve: 'P-256' };

mkdirSync(clientsDir, { recursive: true });
mkdirSync(tlsDir, { recursive: true });

// The authorization server's own keys. One key per signing algorithm so that a client
// can pick its algorithm by registration and the `kid` says which key signed. The two
// `use: enc` keys let clients encrypt request objects to the server.
writeJson(join(keysDir, 'as-jwks.json'), {
  keys: [
    jwk('rsa', rsa, { kid: 'as-rs256', use: 'sig', alg: 'RS256' }),
    jwk('rsa', rsa, { kid: 'as-ps256', use: 'sig', alg: 'PS256' }),
    jwk('ec', p256, { kid: 'as-es256', use: 'sig', alg: 'ES256' }),
    jwk('ed25519', {}, { kid: 'as-eddsa', use: 'sig', alg: 'EdDSA' }),
    jwk('rsa', rsa, { kid: 'as-enc-rsa', use: 'enc', alg: 'RSA-OAEP-256' }),
    jwk('ec', p256, { kid: 'as-enc-ec', use: 'enc', alg: 'ECDH-ES' }),
  ],
});

// Client keys: private JWKs, as a client library would load them.
const clientKeys = {
  'pkjwt-es256': jwk('ec', p256, { kid: 'pkjwt-es256', use: 'sig', alg: 'ES256' }),
  'pkjwt-rs256': jwk('rsa', rsa, { kid: 'pkjwt-rs256', use: 'sig', alg: 'RS256' }),
  'pkjwt-ps256': jwk('rsa', rsa, { kid: 'pkjwt-ps256', use: 'sig', alg: 'PS256' }),
  'pkjwt-eddsa': jwk('ed25519', {}, { kid: 'pkjwt-eddsa', use: 'sig', alg: 'EdDSA' }),
  // Decryption key of the client that receives encrypted ID tokens and userinfo.
  'enc-client': jwk('rsa', rsa, { kid: 'enc-client', use: 'enc', alg: 'RSA-OAEP-256' }),
};
for (const [name, key] of Object.entries(clientKeys)) {
  writeJson(join(clientsDir, `${name}.json`), key);
}

// mTLS: a test CA, a server certificate for 127.0.0.1/localhost, and client
// certificates. The subject DN of mtls-client is what the client `mtls-client` registers.
function openssl(...args) {
  execFileSync('openssl', args, { cwd: tlsDir, stdio: ['ignore', 'ignore', 'inherit'] });
}
const days = '36500'; // fixtures must not expire under the tests
openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
  '-keyout', 'ca.key', '-out', 'ca.pem', '-days', days, '-subj', '/O=oauth2kit tests/CN=oauth2kit test CA',
  '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');

function leaf(name, subject, extensions) {
  const ext = join(tlsDir, `${name}.ext`);
  writeFileSync(ext, `${extensions.join('\n')}\n`);
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key',
    '-set_serial', String(Date.now()), '-days', days, '-out', `${name}.pem`, '-extfile', ext);
  rmSync(join(tlsDir, `${name}.csr`));
  rmSync(ext);
}

leaf('server', '/O=oauth2kit tests/CN=127.0.0.1', [
  'basicConstraints=CA:FALSE',
  'keyUsage=digitalSignature',
  'extendedKeyUsage=serverAuth',
  'subjectAltName=IP:127.0.0.1,DNS:localhost',
]);
leaf('mtls-client', '/O=oauth2kit tests/CN=mtls-client', [
  'basicConstraints=CA:FALSE',
  'keyUsage=digitalSignature',
  'extendedKeyUsage=clientAuth',
]);
// Signed by the same CA but with another subject: tls_client_auth must refuse it.
leaf('other-client', '/O=oauth2kit tests/CN=other-client', [
  'basicConstraints=CA:FALSE',
  'keyUsage=digitalSignature',
  'extendedKeyUsage=clientAuth',
]);
// Self-signed, no CA: what the client `mtls-self-signed` registers (self_signed_tls_client_auth).
openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
  '-keyout', 'self-signed-client.key', '-out', 'self-signed-client.pem', '-days', days,
  '-subj', '/O=oauth2kit tests/CN=self-signed-client', '-addext', 'basicConstraints=critical,CA:FALSE',
  '-addext', 'keyUsage=critical,digitalSignature', '-addext', 'extendedKeyUsage=clientAuth');
rmSync(join(tlsDir, 'ca.srl'), { force: true });

console.log(`wrote keys to ${keysDir}`);
