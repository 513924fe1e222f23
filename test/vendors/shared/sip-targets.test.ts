import { describe, expect, it } from "vitest";
import { domainRegistrar } from "../../../src/vendors/shared/sip-targets.ts";

const sip = (domain: string, host: string, outboundProxy: { host: string; port: number } | null = null) => ({
  domain,
  server: { host, port: 5070, transport: "udp" as const },
  outboundProxy,
  registerExpires: 3600,
});

describe("domainRegistrar", () => {
  it("uses the server directly when it is the domain", () => {
    expect(domainRegistrar(sip("pbx.example", "PBX.example"))).toEqual({ host: "PBX.example", port: 5070, outboundProxy: null });
  });

  it("puts the domain in the server field and reaches the registrar as outbound proxy", () => {
    expect(domainRegistrar(sip("acme.example", "pbx.example"))).toEqual({
      host: "acme.example",
      port: 5070,
      outboundProxy: { host: "pbx.example", port: 5070 },
    });
  });

  it("keeps the tenant's own outbound proxy", () => {
    expect(domainRegistrar(sip("acme.example", "pbx.example", { host: "sbc.example", port: 5060 })).outboundProxy).toEqual({
      host: "sbc.example",
      port: 5060,
    });
  });
});
