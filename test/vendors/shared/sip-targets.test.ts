import { describe, expect, it } from "vitest";
import type { PhoneConfig } from "../../../src/domain/phone-config.ts";
import { grandstream } from "../../../src/vendors/grandstream/index.ts";
import { polycom } from "../../../src/vendors/polycom/index.ts";
import { domainRegistrar } from "../../../src/vendors/shared/sip-targets.ts";
import type { Vendor } from "../../../src/vendors/vendor.ts";
import { yealink } from "../../../src/vendors/yealink/index.ts";
import { buildPhoneConfig } from "../../helpers/phone-config.ts";
import { builtinTemplateStore } from "../../helpers/templates.ts";

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
      // The registrar's port stays with the registrar; the domain gets the transport's default.
      port: 5060,
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

describe("the three vendors agree on server field and outbound proxy", () => {
  const store = builtinTemplateStore(["yealink", "polycom", "grandstream"]);
  const render = (v: Vendor, name: string, config: PhoneConfig) => v.render(name, config, store.forVendor(v.id))!.body;
  const tenant = { domain: "acme.example", server: { host: "pbx.example", port: 5070, transport: "udp" as const }, outboundProxy: null, registerExpires: 3600 };

  it("writes the domain as server (default port) and the registrar host:port as outbound proxy", () => {
    const y = render(yealink, "805ec0a1b254.cfg", buildPhoneConfig("yealink", "T54W", "805ec0a1b254", { sip: tenant }));
    expect(y).toContain("account.1.sip_server.1.address = acme.example\naccount.1.sip_server.1.port = 5060\n");
    expect(y).toContain("account.1.outbound_proxy.1.address = pbx.example\naccount.1.outbound_proxy.1.port = 5070\n");
    const p = render(polycom, "64167f0a0b11-phonehome.cfg", buildPhoneConfig("polycom", "VVX411", "64167f0a0b11", { sip: tenant }));
    expect(p).toContain('reg.1.address="101@acme.example"');
    expect(p).toContain('reg.1.server.1.address="acme.example" reg.1.server.1.port="5060"');
    expect(p).toContain('reg.1.outboundProxy.address="pbx.example" reg.1.outboundProxy.port="5070"');
    const g = render(grandstream, "cfgc074ad0b63ee.xml", buildPhoneConfig("grandstream", "GRP2614", "c074ad0b63ee", { sip: tenant }));
    expect(g).toContain('<item name="account.1.sip.server.1.address">acme.example:5060</item>');
    expect(g).toContain('<item name="account.1.sip.outboundProxy.1.address">pbx.example:5070</item>');
  });
});
