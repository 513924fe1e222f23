import type { PhoneConfig, SipTransport } from "../../domain/phone-config.ts";

export interface DomainRegistrar {
  /** The account's "SIP server" field (Yealink, Grandstream, Polycom `reg.x.server.1`): the SIP domain. */
  readonly host: string;
  readonly port: number;
  /** Where packets go when that is not the domain itself. */
  readonly outboundProxy: { readonly host: string; readonly port: number } | null;
}

/** RFC 3261 §19.1.2 / RFC 3263: 5060 for UDP and TCP, 5061 for TLS. */
const DEFAULT_PORT: Readonly<Record<SipTransport, number>> = { udp: 5060, tcp: 5060, tls: 5061 };

/**
 * One rule for the three vendors (docs/vendors/README.md "Registrar, domain and outbound proxy"):
 *
 * - The account registers `user@<SIP domain>`. Yealink and Grandstream build that AOR from the "SIP
 *   server" field, and RFC 3261 §10.2 puts the registrar's domain in the REGISTER Request-URI, which
 *   every vendor takes from the same field: so that field holds the SIP domain, for all three.
 * - When the domain is the registrar host, the field is `host:port` of the registrar and the
 *   tenant's outbound proxy (if any) is written as is.
 * - When they differ, the field is the domain with the transport's default port (the registrar's
 *   port belongs to the registrar host, not to the domain), and packets go to the tenant's outbound
 *   proxy, or, without one, to the registrar host:port as outbound proxy.
 * - ⚠ A tenant with both a different domain and its own outbound proxy relies on that proxy to route
 *   the domain to the registrar: no vendor has a third field for the registrar host.
 */
export function domainRegistrar(sip: PhoneConfig["sip"]): DomainRegistrar {
  if (sip.domain.toLowerCase() === sip.server.host.toLowerCase()) {
    return { host: sip.server.host, port: sip.server.port, outboundProxy: sip.outboundProxy };
  }
  return {
    host: sip.domain,
    port: DEFAULT_PORT[sip.server.transport],
    outboundProxy: sip.outboundProxy ?? { host: sip.server.host, port: sip.server.port },
  };
}
