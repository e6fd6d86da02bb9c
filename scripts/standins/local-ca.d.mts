/** Names the local server certificate is valid for. */
export const LOCAL_TLS_NAMES: string[];

export interface LocalCa {
  /** Path of the CA certificate (PEM). */
  caFile: string;
  /** The CA certificate, the server certificate and its private key (PEM). */
  ca: string;
  cert: string;
  key: string;
}

/** The local CA and its server certificate, created in `dir` when absent or near expiry. */
export function localCa(dir?: string): LocalCa;
/** As localCa, and sets NODE_EXTRA_CA_CERTS so that workerd processes started later trust the CA. */
export function trustLocalCa(dir?: string): LocalCa;
