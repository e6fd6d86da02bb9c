// A local certificate authority for the TLS stand-ins (the SMTP server's STARTTLS and implicit-TLS
// listeners, an IMAP server): a CA certificate and a server certificate it signs for localhost and
// 127.0.0.1. workerd always verifies certificates, so a Worker trusts these only when the process
// that starts workerd has NODE_EXTRA_CA_CERTS naming the CA's file before it loads miniflare
// (miniflare reads the variable once, at import). `trustLocalCa()` arranges that: it writes the files
// (kept in node_modules/.cache and reused until a week before they expire) and points
// NODE_EXTRA_CA_CERTS at a bundle of this CA plus any CA the variable already named.
//
// Keys come from node:crypto; node-forge only assembles and signs the certificates.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import forge from "node-forge";

const DEFAULT_DIR = path.join(import.meta.dirname, "..", "..", "node_modules", ".cache", "flowrunner-local-ca");
const VALID_DAYS = 90;
const RENEW_BEFORE_MS = 7 * 24 * 3600 * 1000;
/** Names the server certificate is valid for. */
export const LOCAL_TLS_NAMES = ["localhost", "127.0.0.1", "::1"];

/**
 * The CA and server certificate in `dir` (created when absent or near expiry). Returns PEM text and
 * the files' paths (a server configured by file, such as dovecot, takes certFile and keyFile).
 * @param {string} [dir]
 * @returns {{ caFile: string, certFile: string, keyFile: string, ca: string, cert: string, key: string }}
 */
export function localCa(dir = DEFAULT_DIR) {
  const files = { ca: path.join(dir, "ca.pem"), cert: path.join(dir, "server.pem"), key: path.join(dir, "server-key.pem") };
  if (!usable(files)) create(dir, files);
  return {
    caFile: files.ca,
    certFile: files.cert,
    keyFile: files.key,
    ca: readFileSync(files.ca, "utf8"),
    cert: readFileSync(files.cert, "utf8"),
    key: readFileSync(files.key, "utf8"),
  };
}

/**
 * Makes the local CA trusted by workerd processes this one starts (the Workers test pool, `wrangler
 * dev`): sets NODE_EXTRA_CA_CERTS to a bundle of the CA and whatever the variable named before.
 * Call it before miniflare or wrangler is imported. Returns what `localCa()` returns.
 * @param {string} [dir]
 */
export function trustLocalCa(dir = DEFAULT_DIR) {
  const ca = localCa(dir);
  const bundle = path.join(dir, "trusted.pem");
  const previous = process.env.NODE_EXTRA_CA_CERTS;
  if (previous !== bundle) {
    const extra = previous && previous !== ca.caFile && existsSync(previous) ? readFileSync(previous, "utf8") : "";
    writeAtomically(bundle, `${ca.ca.trim()}\n${extra}`);
    process.env.NODE_EXTRA_CA_CERTS = bundle;
  }
  return ca;
}

function usable(files) {
  if (!Object.values(files).every((file) => existsSync(file))) return false;
  try {
    const cert = forge.pki.certificateFromPem(readFileSync(files.cert, "utf8"));
    return cert.validity.notAfter.getTime() - Date.now() > RENEW_BEFORE_MS;
  } catch {
    return false;
  }
}

function create(dir, files) {
  mkdirSync(dir, { recursive: true });
  const notBefore = new Date(Date.now() - 3600 * 1000);
  const notAfter = new Date(notBefore.getTime() + VALID_DAYS * 24 * 3600 * 1000);

  const caKeys = keyPair();
  const caName = [
    { name: "commonName", value: "FlowRunner local test CA" },
    { name: "organizationName", value: "FlowRunner local development" },
  ];
  const ca = certificate(caKeys.publicKey, caName, caName, notBefore, notAfter, [
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const serverKeys = keyPair();
  const server = certificate(serverKeys.publicKey, [{ name: "commonName", value: "localhost" }], caName, notBefore, notAfter, [
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    {
      name: "subjectAltName",
      altNames: LOCAL_TLS_NAMES.map((name) => (/^[\d.]+$|:/.test(name) ? { type: 7, ip: name } : { type: 2, value: name })),
    },
    { name: "authorityKeyIdentifier", keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  server.sign(caKeys.privateKey, forge.md.sha256.create());

  // The key first: a reader that finds a certificate finds its key too.
  writeAtomically(files.key, forge.pki.privateKeyToPem(serverKeys.privateKey));
  writeAtomically(files.ca, forge.pki.certificateToPem(ca));
  writeAtomically(files.cert, forge.pki.certificateToPem(server));
}

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  return { privateKey: forge.pki.privateKeyFromPem(privateKey), publicKey: forge.pki.publicKeyFromPem(publicKey) };
}

function certificate(publicKey, subject, issuer, notBefore, notAfter, extensions) {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // Positive, 16 random bytes.
  cert.serialNumber = `01${randomBytes(15).toString("hex")}`;
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject(subject);
  cert.setIssuer(issuer);
  cert.setExtensions(extensions);
  return cert;
}

function writeAtomically(file, text) {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, file);
}
