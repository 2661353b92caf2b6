// Certificates for TLS tests, made with the `openssl` binary when the test runs, in a temp dir: a CA,
// server certificates for 127.0.0.1 and localhost, and client certificates whose CN etcd takes as
// the user name when auth is on. Keys are P-256 (fast to make); everything expires after a day.
// Nothing here is a fake: etcd, Node's TLS and gRPC judge these files exactly as production ones.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findExecutable } from './executables';

const run = promisify(execFile);

/** A certificate and its private key, as PEM file paths. */
export interface KeyPair {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface CertificateAuthority extends KeyPair {
  readonly name: string;
  /** A server certificate (serverAuth and clientAuth) for 127.0.0.1 and localhost. */
  issueServer(fileStem: string): Promise<KeyPair>;
  /** A client certificate (clientAuth) with this common name. */
  issueClient(commonName: string, fileStem?: string): Promise<KeyPair>;
}

export interface Pki {
  readonly dir: string;
  /** A new CA in dir; name is its CN and the stem of its files. */
  createCa(name: string): Promise<CertificateAuthority>;
  /** Removes dir; idempotent. */
  destroy(): Promise<void>;
}

/** A temp dir to make certificates in; throws a clear error when no openssl is on PATH. */
export async function createPki(): Promise<Pki> {
  const openssl = findExecutable('openssl');
  if (openssl === undefined) throw new Error('cannot make test certificates: no openssl on PATH (apt-get install openssl)');
  const dir = await mkdtemp(join(tmpdir(), 'pki-test-'));
  const ssl = async (...args: string[]): Promise<void> => {
    try {
      await run(openssl, args, { cwd: dir });
    } catch (err: unknown) {
      const stderr = typeof err === 'object' && err !== null && 'stderr' in err ? String(err.stderr) : '';
      throw new Error(`openssl ${args[0] ?? ''} failed: ${stderr.trim()}`, { cause: err });
    }
  };
  const newKey = (path: string): Promise<void> => ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path);

  const createCa = async (name: string): Promise<CertificateAuthority> => {
    const ca: KeyPair = { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
    await newKey(ca.keyFile);
    await ssl('req', '-x509', '-new', '-key', ca.keyFile, '-out', ca.certFile, '-days', '1', '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
    const issue = async (stem: string, commonName: string, extensions: string): Promise<KeyPair> => {
      const pair: KeyPair = { certFile: join(dir, `${stem}.crt`), keyFile: join(dir, `${stem}.key`) };
      const csr = join(dir, `${stem}.csr`);
      const ext = join(dir, `${stem}.ext`);
      await newKey(pair.keyFile);
      await ssl('req', '-new', '-key', pair.keyFile, '-out', csr, '-subj', `/CN=${commonName}`);
      await writeFile(ext, extensions);
      await ssl('x509', '-req', '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-out', pair.certFile, '-days', '1', '-extfile', ext);
      return pair;
    };
    return {
      name,
      ...ca,
      issueServer: (stem) => issue(stem, stem, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n'),
      issueClient: (commonName, stem) => issue(stem ?? `${name}-client-${commonName}`, commonName, 'keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n'),
    };
  };
  let destroying: Promise<void> | undefined;
  return {
    dir,
    createCa,
    destroy: () => (destroying ??= rm(dir, { recursive: true, force: true })),
  };
}
