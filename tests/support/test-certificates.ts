/**
 * Certificates for TLS tests, made fresh for each run (nothing private is kept in the repository):
 * a test CA, server certificates it signs, and a self-signed one nobody trusts. EC P-256 keys, so
 * generating them takes milliseconds.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface ServerCertificate {
  key: string;
  cert: string;
}

export interface TestCertificates {
  /** The test CA's certificate, written to a file for NODE_EXTRA_CA_CERTS. */
  caPath: string;
  /** Signed by the test CA for `localhost` and 127.0.0.1. */
  trusted: ServerCertificate;
  /** Signed by the test CA, but only for `other.example`: a name mismatch on loopback. */
  otherName: ServerCertificate;
  /** For `localhost` and 127.0.0.1, signed by itself: no CA vouches for it. */
  selfSigned: ServerCertificate;
}

const DAY_MS = 86_400_000;

type Extensions = NonNullable<NonNullable<Parameters<typeof generate>[1]>['extensions']>;
type AltName = { type: 2; value: string } | { type: 7; ip: string };

const validity = () => ({ notBeforeDate: new Date(Date.now() - DAY_MS), notAfterDate: new Date(Date.now() + DAY_MS) });

function serverExtensions(altNames: AltName[]): Extensions {
  return [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames },
  ];
}

const LOOPBACK_NAMES: AltName[] = [
  { type: 2, value: 'localhost' },
  { type: 7, ip: '127.0.0.1' },
];

export async function makeTestCertificates(directory: string): Promise<TestCertificates> {
  const common = { keyType: 'ec' as const, algorithm: 'sha256', ...validity() };
  const ca = await generate([{ name: 'commonName', value: 'Keygate Test CA (FAKE)' }], {
    ...common,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const signedByCa = { ...common, ca: { key: ca.private, cert: ca.cert } };
  const trusted = await generate([{ name: 'commonName', value: 'localhost' }], { ...signedByCa, extensions: serverExtensions(LOOPBACK_NAMES) });
  const otherName = await generate([{ name: 'commonName', value: 'other.example' }], { ...signedByCa, extensions: serverExtensions([{ type: 2, value: 'other.example' }]) });
  const selfSigned = await generate([{ name: 'commonName', value: 'localhost' }], { ...common, extensions: serverExtensions(LOOPBACK_NAMES) });
  const caPath = join(directory, 'keygate-test-ca.pem');
  await writeFile(caPath, ca.cert);
  const pair = (pems: { private: string; cert: string }) => ({ key: pems.private, cert: pems.cert });
  return { caPath, trusted: pair(trusted), otherName: pair(otherName), selfSigned: pair(selfSigned) };
}
