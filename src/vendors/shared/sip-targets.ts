import type { PhoneConfig } from "../../domain/phone-config.ts";

export interface DomainRegistrar {
  /** What the phone's "SIP server" field gets: the account's domain. */
  readonly host: string;
  readonly port: number;
  /** Where packets go when that is not the domain itself. */
  readonly outboundProxy: { readonly host: string; readonly port: number } | null;
}

/**
 * Yealink and Grandstream have no field for the account's domain apart from the "SIP server":
 * the phone builds its AOR (`user@server`) from it. When the tenant's SIP domain differs from the
 * registrar host, the domain goes into the server field and the registrar host becomes the
 * outbound proxy (unless the tenant names an outbound proxy of its own), so the phone registers
 * `user@domain` through the registrar. Polycom has `reg.x.address = user@domain` and needs none
 * of this.
 */
export function domainRegistrar(sip: PhoneConfig["sip"]): DomainRegistrar {
  if (sip.domain.toLowerCase() === sip.server.host.toLowerCase()) {
    return { host: sip.server.host, port: sip.server.port, outboundProxy: sip.outboundProxy };
  }
  return {
    host: sip.domain,
    port: sip.server.port,
    outboundProxy: sip.outboundProxy ?? { host: sip.server.host, port: sip.server.port },
  };
}
