/** Names the local server certificate is valid for. */
export const LOCAL_TLS_NAMES: string[];

export interface LocalCa {
  /** Paths of the CA certificate, the server certificate (for localhost, 127.0.0.1, ::1) and its key (PEM). */
  caFile: string;
  certFile: string;
  keyFile: string;
  /** The CA certificate, the server certificate and its private key (PEM). */
  ca: string;
  cert: string;
  key: string;
}

/** The local CA and its server certificate, created in `dir` when absent or near expiry. */
export function localCa(dir?: string): LocalCa;
/** As localCa, and sets NODE_EXTRA_CA_CERTS so that workerd processes started later trust the CA. */
export function trustLocalCa(dir?: string): LocalCa;
