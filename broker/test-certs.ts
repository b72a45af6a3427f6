/**
 * Throwaway TLS material for tests, generated with the `openssl` CLI into a temporary directory: a CA, a server
 * certificate for 127.0.0.1/localhost signed by it, a client certificate signed by it, and a second CA nobody
 * trusts. Nothing is committed; `remove()` deletes the directory.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  dir: string;
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  /** PEM contents, for clients. */
  ca: Buffer;
  clientCert: Buffer;
  clientKey: Buffer;
  /** A CA that signed nothing here, and a client certificate it signed. */
  otherCa: Buffer;
  otherClientCert: Buffer;
  otherClientKey: Buffer;
  remove(): void;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'];

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}

export function generateTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'vw-certs-'));
  const f = (name: string) => join(dir, name);
  const ca = (name: string) =>
    openssl(['req', '-x509', ...EC, '-keyout', f(`${name}.key`), '-out', f(`${name}.pem`), '-subj', `/CN=VectorWatch test ${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
  const leaf = (name: string, by: string, cn: string, ext: string[]) =>
    openssl(['req', '-x509', ...EC, '-keyout', f(`${name}.key`), '-out', f(`${name}.pem`), '-subj', `/CN=${cn}`,
      '-CA', f(`${by}.pem`), '-CAkey', f(`${by}.key`), '-addext', 'basicConstraints=CA:FALSE', ...ext]);
  ca('ca');
  ca('other-ca');
  leaf('server', 'ca', 'localhost', ['-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-addext', 'extendedKeyUsage=serverAuth']);
  leaf('client', 'ca', 'rs-001', ['-addext', 'extendedKeyUsage=clientAuth']);
  leaf('other-client', 'other-ca', 'rs-001', ['-addext', 'extendedKeyUsage=clientAuth']);
  return {
    dir,
    caFile: f('ca.pem'),
    serverCertFile: f('server.pem'),
    serverKeyFile: f('server.key'),
    clientCertFile: f('client.pem'),
    clientKeyFile: f('client.key'),
    ca: readFileSync(f('ca.pem')),
    clientCert: readFileSync(f('client.pem')),
    clientKey: readFileSync(f('client.key')),
    otherCa: readFileSync(f('other-ca.pem')),
    otherClientCert: readFileSync(f('other-client.pem')),
    otherClientKey: readFileSync(f('other-client.key')),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
