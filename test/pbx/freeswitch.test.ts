import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestHa1 } from "../../src/pbx/credentials.ts";
import { directoryDocument, NOT_FOUND_DOCUMENT } from "../../src/pbx/freeswitch.ts";
import { createToken } from "../../src/services/tokens.ts";
import { startAdminClient, type AdminClient } from "../helpers/admin-client.ts";

const FIXED = {
  tenant: "demo.example",
  domain: "demo.example",
  number: "101",
  displayName: "Ana <Front & Desk>",
  sipUser: "101",
  authUser: "101",
  password: "Pw0123456789abcdefghij",
  ha1: digestHa1("101", "demo.example", "Pw0123456789abcdefghij"),
  ha1b: digestHa1("101@demo.example", "demo.example", "Pw0123456789abcdefghij"),
  voicemailNumber: "9901",
  voicemailPin: "4711",
  enabled: true,
  phones: 1,
  registerExpires: 3600,
};

describe("FreeSWITCH directory documents", () => {
  it("the user entry: a1-hash, caller id, context, voicemail PIN, values escaped", async () => {
    await expect(directoryDocument(FIXED)).toMatchFileSnapshot("../golden/freeswitch/directory-user.xml");
  });
  it("the documented not-found result", async () => {
    await expect(NOT_FOUND_DOCUMENT).toMatchFileSnapshot("../golden/freeswitch/not-found.xml");
  });
});

describe("POST /pbx/freeswitch/directory", () => {
  let c: AdminClient;
  let pbx: string;
  beforeAll(async () => {
    c = await startAdminClient({}, { roles: ["admin"] });
    for (const t of ["fs.example", "other.example"]) {
      await c.call("POST", "/tenants", { name: t, sipDomain: t, sipServerHost: `pbx.${t}` });
      await c.call("POST", `/tenants/${t}/extensions`, { number: "101", displayName: "Ana" });
    }
    pbx = (await c.withRuntime((rt) => createToken(rt, "pbx", "freeswitch", ["fs.example"]))).token;
  });
  afterAll(() => c.close());
  // mod_xml_curl sends HTTP Basic credentials (gateway-credentials user:password): the token is the password.
  const lookup = (form: string, type = "application/x-www-form-urlencoded") =>
    fetch(`${c.api}/pbx/freeswitch/directory`, {
      method: "POST",
      headers: { authorization: `Basic ${Buffer.from(`freeswitch:${pbx}`).toString("base64")}`, "content-type": type },
      body: form,
    });

  it("answers a sip_auth lookup with the user's a1-hash", async () => {
    const r = await lookup("hostname=fs1&section=directory&tag_name=domain&key_name=name&key_value=fs.example&user=101&domain=fs.example&action=sip_auth");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/xml/);
    const body = await r.text();
    const cred = (await c.call("GET", "/pbx/tenants/fs.example/extensions/101")).json;
    expect(body).toContain(`<param name="a1-hash" value="${digestHa1("101", "fs.example", cred.password)}"/>`);
    expect(body).not.toContain(cred.password);
  });

  it("answers not found for an unknown user, an unknown domain, another tenant's domain and another section", async () => {
    for (const form of [
      "section=directory&domain=fs.example&user=999&action=sip_auth",
      "section=directory&domain=nope.example&user=101",
      "section=directory&domain=other.example&user=101",
      "section=dialplan&domain=fs.example&user=101",
    ]) {
      const r = await lookup(form);
      expect(r.status).toBe(200);
      expect(await r.text()).toBe(NOT_FOUND_DOCUMENT);
    }
  });

  it("refuses a malformed lookup with the reason, and a wrong token", async () => {
    const before = c.snapshot();
    const missing = await lookup("domain=fs.example&user=101");
    expect(missing.status).toBe(400);
    expect((await missing.json()).error.message).toMatch(/section: missing/);
    expect((await lookup("section=directory&user=101")).status).toBe(400);
    expect((await lookup("section=directory&domain=fs.example&user=1&user=2")).status).toBe(400);
    expect((await lookup("{}", "application/json")).status).toBe(415);
    const bad = await fetch(`${c.api}/pbx/freeswitch/directory`, { method: "POST", headers: { authorization: "Basic " + Buffer.from("x:ph_nope").toString("base64"), "content-type": "application/x-www-form-urlencoded" }, body: "section=directory" });
    expect(bad.status).toBe(401);
    expect(c.snapshot()).toBe(before);
  });
});
