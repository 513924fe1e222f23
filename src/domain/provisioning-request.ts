/** What a transport hands to the pipeline: nothing transport-specific beyond its name. */
export interface ProvisioningRequest {
  readonly transport: "http" | "https" | "tftp";
  /** The requested file name: the last path segment, already URL-decoded, never containing `/`. */
  readonly fileName: string;
  /** HTTP User-Agent; absent over TFTP. */
  readonly userAgent?: string;
  readonly remoteAddress: string;
  /** The TLS client certificate the phone presented (HTTPS only); absent when it presented none. */
  readonly clientCert?: ClientCertificate;
  /** The base URL the phone reached (listener scheme + validated Host header); absent over TFTP. */
  readonly requestUrl?: string;
  /** The request carries proxy headers (Forwarded, X-Forwarded-For, X-Real-IP): its source address is not the phone's. */
  readonly forwarded?: boolean;
}

/**
 * A client certificate as the TLS layer saw it. The transport checks the chain, the validity
 * period and revocation (`verified`); the pipeline decides what the certificate may open.
 */
export interface ClientCertificate {
  /** The chain ends at a configured client CA, the certificate is in its validity period and not revoked. */
  readonly verified: boolean;
  /** Why it is not verified (OpenSSL's code, or `CERT_REVOKED`); null when verified. */
  readonly failure: string | null;
  /** Subject, e.g. `CN=0004f2000102, O=Polycom`. */
  readonly subject: string;
  readonly issuer: string;
  /** Serial number, uppercase hex. */
  readonly serial: string;
  /** Every subject attribute value and subjectAltName entry: where the MAC is looked for. */
  readonly names: readonly string[];
}
