import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdminClient, type AdminClient } from "../helpers/admin-client.ts";
import { curl } from "../helpers/curl.ts";

let c: AdminClient;

beforeAll(async () => {
  c = await startAdminClient();
  await c.call("POST", "/tenants", { sipDomain: "acme.example", sipServerHost: "pbx.acme.example", timeZone: "Europe/Berlin" });
});

afterAll(async () => c.close());

const json = JSON.stringify({ resyncMinutes: 60 });

describe("JSON routes refuse a body of another type", () => {
  it.each([
    ["text/plain", json],
    ["text/plain;charset=UTF-8", json],
    ["application/x-www-form-urlencoded", "resyncMinutes=60"],
    ["multipart/form-data; boundary=x", `--x\r\nContent-Disposition: form-data; name="resyncMinutes"\r\n\r\n60\r\n--x--\r\n`],
    ["text/csv", "resyncMinutes\n60\n"],
  ])("PATCH /tenants/{t} sent as %s answers 415 naming application/json and changes nothing", async (type, body) => {
    const before = c.snapshot();
    const r = await c.call("PATCH", "/tenants/acme.example", body, "admin", type);
    expect(r.status).toBe(415);
    expect(r.json.error.code).toBe("unsupported_media_type");
    expect(r.json.error.message).toMatch(/application\/json/);
    expect(c.snapshot()).toBe(before);
  });

  it("refuses a body without any Content-Type (curl --data-binary with the header removed)", async () => {
    const before = c.snapshot();
    const r = await curl([
      "-X", "POST", "-H", `authorization: Bearer ${c.tokens.admin}`, "-H", "Content-Type:",
      "--data-binary", JSON.stringify({ sipDomain: "b.example", sipServerHost: "pbx.b.example" }),
      `${c.api}/tenants`,
    ]);
    expect(r.status).toBe(415);
    expect(r.body).toMatch(/no Content-Type/);
    expect(c.snapshot()).toBe(before);
  });

  it("still takes application/json (with a charset) and bodiless POSTs", async () => {
    const r = await c.call("PATCH", "/tenants/acme.example", json, "admin", "application/json; charset=utf-8");
    expect(r.status).toBe(200);
    expect(r.json.resyncMinutes).toBe(60);
    const tokens = await c.call("GET", "/tenants");
    expect(tokens.status).toBe(200);
  });

  it("the CSV import route keeps its own type", async () => {
    const r = await c.call("POST", "/imports?dryRun=1", "mac,vendor,model,tenant\n", "admin", "text/csv");
    expect(r.status).not.toBe(415);
    const wrong = await c.call("POST", "/imports", { rows: [] });
    expect(wrong.status).toBe(415);
    expect(wrong.json.error.message).toMatch(/text\/csv/);
  });
});
