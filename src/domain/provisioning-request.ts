/** What a transport hands to the pipeline: nothing transport-specific beyond its name. */
export interface ProvisioningRequest {
  readonly transport: "http" | "https" | "tftp";
  /** The requested file name: the last path segment, already URL-decoded, never containing `/`. */
  readonly fileName: string;
  /** HTTP User-Agent; absent over TFTP. */
  readonly userAgent?: string;
  readonly remoteAddress: string;
}
