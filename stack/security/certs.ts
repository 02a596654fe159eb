/**
 * Throw-away TLS material for the secured stack, made with openssl at test time: a CA, and a server
 * certificate signed by it for the names the containers are reached by (localhost, 127.0.0.1, the
 * network aliases), as PEM files and as a PKCS#12 keystore (what the Kafka broker reads).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  /** Where the files are: ca.pem, server.pem, server.key, server.p12. */
  readonly dir: string;
  readonly caFile: string;
  readonly caPem: string;
  readonly serverCertPem: string;
  /** PKCS#8, unencrypted. */
  readonly serverKeyPem: string;
  /** Key and chain, protected by `keystorePassword`. */
  readonly keystoreP12: Buffer;
  readonly keystorePassword: string;
  /** Deletes the files. */
  remove(): void;
}

export interface CertificateOptions {
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly keystorePassword: string;
  readonly days?: number;
}

export function generateCertificates(options: CertificateOptions): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'tempstream-tls-'));
  const file = (name: string) => join(dir, name);
  const openssl = (args: readonly string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const days = String(options.days ?? 2);
  const dns = options.dnsNames ?? ['localhost'];
  const ips = options.ipAddresses ?? ['127.0.0.1'];
  try {
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', days, '-subj', '/CN=tempstream test CA']);
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', `/CN=${dns[0] ?? 'localhost'}`]);
    const san = [...dns.map((d) => `DNS:${d}`), ...ips.map((ip) => `IP:${ip}`)].join(',');
    writeFileSync(file('server.ext'), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n`);
    openssl([
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.pem',
      '-days',
      days,
      '-extfile',
      'server.ext',
    ]);
    openssl([
      'pkcs12',
      '-export',
      '-in',
      'server.pem',
      '-inkey',
      'server.key',
      '-certfile',
      'ca.pem',
      '-name',
      'server',
      '-out',
      'server.p12',
      '-passout',
      `pass:${options.keystorePassword}`,
    ]);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`openssl could not make the test certificates: ${stderr || String(err)}`);
  }
  return {
    dir,
    caFile: file('ca.pem'),
    caPem: readFileSync(file('ca.pem'), 'utf8'),
    serverCertPem: readFileSync(file('server.pem'), 'utf8'),
    serverKeyPem: readFileSync(file('server.key'), 'utf8'),
    keystoreP12: readFileSync(file('server.p12')),
    keystorePassword: options.keystorePassword,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
