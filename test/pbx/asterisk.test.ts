import { describe, expect, it } from "vitest";
import { dialplanHints, pjsipConf, realtimeSql } from "../../src/pbx/asterisk.ts";
import { digestHa1, type SipCredential } from "../../src/pbx/credentials.ts";

const cred = (number: string, phones: number, overrides: Partial<SipCredential> = {}): SipCredential => ({
  tenant: "demo.example",
  domain: "demo.example",
  number,
  displayName: `Ext ${number}`,
  sipUser: number,
  authUser: number,
  password: `Pw-${number}-0123456789abcd`,
  ha1: digestHa1(number, "demo.example", `Pw-${number}-0123456789abcd`),
  ha1b: "",
  voicemailNumber: "9901",
  voicemailPin: null,
  enabled: true,
  phones,
  registerExpires: 3600,
  ...overrides,
});
const CREDS = [cred("101", 1), cred("102", 3, { displayName: 'Bo "the boss"' }), cred("103", 0, { enabled: false })];

describe("Asterisk export", () => {
  it("pjsip.conf: endpoint, md5 auth, aor with max_contacts per phone count, tenant context; disabled left out", async () => {
    const out = pjsipConf(CREDS);
    expect(out).not.toMatch(/Pw-/);
    expect(out).not.toMatch(/\[103\]/);
    await expect(out).toMatchFileSnapshot("../golden/asterisk/pjsip.conf");
  });
  it("dialplan hints per tenant context", async () => {
    await expect(dialplanHints(CREDS)).toMatchFileSnapshot("../golden/asterisk/extensions.conf");
  });
  it("realtime rows for ps_endpoints, ps_auths, ps_aors", async () => {
    await expect(realtimeSql(CREDS)).toMatchFileSnapshot("../golden/asterisk/realtime.sql");
  });
  it("refuses two tenants sharing a SIP user in one export", () => {
    expect(() => pjsipConf([...CREDS, cred("101", 1, { tenant: "other.example", domain: "other.example" })])).toThrow(/export one tenant per Asterisk/);
  });
  it("refuses a value that would break a .conf line", () => {
    expect(() => pjsipConf([cred("104", 1, { tenant: "x\n[evil]" })])).toThrow(/cannot be written/);
  });
});
