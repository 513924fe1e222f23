import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdminClient, type AdminClient } from "../helpers/admin-client.ts";

const BIN = fileURLToPath(new URL("../../bin/phonehome.mjs", import.meta.url));
const T = "/tenants/acme.example";
const HEADER = "number,display_name,username,role,voicemail,voicemail_pin,voicemail_email,presence,groups";
let c: AdminClient;

beforeAll(async () => {
  c = await startAdminClient({ fetchLogFlushMs: 10 });
  await c.call("POST", "/tenants", { sipDomain: "acme.example", sipServerHost: "pbx.acme.example" });
  await c.call("POST", `${T}/groups`, { name: "sales", members: [] });
  await c.call("POST", `${T}/groups`, { name: "support", members: [] });
  await c.call("POST", `${T}/extensions`, { number: "150", displayName: "Existing" });
});
afterAll(async () => c.close());

const upload = (csv: string, query = "") => c.call("POST", `${T}/extension-imports${query}`, csv, "admin", "text/csv");

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args, "--data-dir", c.config.dataDir], { env: { ...process.env, PHONEHOME_DATA_DIR: "" } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const site = [
  HEADER,
  "201,Ana Lima,ana,user,yes,4321,ana@acme.example,yes,sales;support",
  "202,Rui Sousa,,manager,no,,,no,support",
  '203,"Desk, front",,,,,,,',
  "150,Existing renamed,,,,,,,sales",
].join("\n");

describe("extensions by CSV", () => {
  it("checks a file as a dry run, reporting what it would do and writing nothing", async () => {
    const before = c.snapshot();
    const r = await upload(site, "?dryRun=1");
    expect(r.status, r.text).toBe(200);
    expect(r.json).toEqual({ accepted: true, dryRun: true, rows: 4, created: 3, updated: 1, unchanged: 0, batchId: null });
    expect(c.snapshot()).toBe(before);
  });

  it("creates and updates every row with the API's settings, in one batch", async () => {
    const r = await upload(site, "?fileName=people.csv");
    expect(r.status, r.text).toBe(201);
    expect(r.json).toMatchObject({ accepted: true, created: 3, updated: 1, unchanged: 0, batchId: expect.any(Number) });
    const ana = (await c.call("GET", `${T}/extensions/201`)).json;
    expect(ana).toMatchObject({ displayName: "Ana Lima", username: "ana", groups: ["sales", "support"], sipPassword: expect.stringMatching(/^[A-Za-z0-9]{22}$/) });
    expect((await c.call("GET", `${T}/extensions/201/voicemail`)).json).toMatchObject({ unansweredCalls: "voicemail", pin: "4321", emailNotification: true, email: "ana@acme.example" });
    expect((await c.call("GET", `${T}/extensions/201/profile`)).json).toMatchObject({ username: "ana", role: "user" });
    expect((await c.call("GET", `${T}/extensions/202/voicemail`)).json).toMatchObject({ unansweredCalls: "end", pin: null });
    expect((await c.call("GET", `${T}/extensions/202/number-settings`)).json.presence).toBe(false);
    expect((await c.call("GET", `${T}/extensions/202/profile`)).json).toMatchObject({ username: "202", role: "manager" });
    expect((await c.call("GET", `${T}/extensions/203`)).json).toMatchObject({ displayName: "Desk, front", groups: [] });
    expect((await c.call("GET", `${T}/extensions/150`)).json).toMatchObject({ displayName: "Existing renamed", groups: ["sales"] });
    const batch = (await c.call("GET", "/imports")).json.imports[0];
    expect(batch).toMatchObject({ source: "extensions", fileName: "people.csv", rows: 4, created: 3, updated: 1 });
  });

  it("exports the tenant's extensions without PINs, and the export imports back unchanged", async () => {
    const r = await c.call("GET", `${T}/exports/extensions.csv`, undefined, "technician");
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/text\/csv/);
    const lines = r.text.trim().split("\n");
    expect(lines[0]).toBe("number,display_name,sip_user,auth_user,username,role,voicemail,voicemail_email,presence,groups");
    expect(lines).toContain("201,Ana Lima,201,201,ana,user,yes,ana@acme.example,yes,sales;support");
    expect(r.text).not.toContain("4321");
    const before = c.snapshot();
    const again = await upload(r.text);
    expect(again.status, again.text).toBe(200);
    expect(again.json).toMatchObject({ accepted: true, created: 0, updated: 0, unchanged: 4, batchId: null });
    expect(c.snapshot()).toBe(before);
    expect((await c.call("GET", `${T}/extensions/201/voicemail`)).json.pin).toBe("4321");
  });

  it("refuses a file with problems, naming row, column and reason, all found in one pass, and writes nothing", async () => {
    const bad = [
      HEADER,
      "301,Ok,,,,,,,",
      "30x,Bad number,,,,,,,",
      "302,,,,,,,,",
      "303,Bad role,,boss,,,,,",
      "304,Bad flag,,,maybe,,,,",
      "301,Twice,,,,,,,",
      "305,Bad pin,,,,12,,,",
      "306,Short,,,",
    ].join("\n");
    const before = c.snapshot();
    const r = await upload(bad);
    expect(r.status).toBe(400);
    expect(r.json.error.problems).toEqual([
      { row: 3, column: "number", reason: '"30x" is not an extension number (2-15 digits)' },
      { row: 4, column: "display_name", reason: "is empty; a new extension needs the name its phones show" },
      { row: 5, column: "role", reason: expect.stringMatching(/user/) },
      { row: 6, column: "voicemail", reason: '"maybe" is not yes or no' },
      { row: 7, column: "number", reason: "301 is also on row 2" },
      { row: 8, column: "voicemail_pin", reason: "must be 4-10 digits" },
      { row: 9, column: null, reason: expect.stringMatching(/has 5 field\(s\) but the header has 9/) },
    ]);
    expect(r.json.error.message).toMatch(/^7 problem\(s\) in the file; nothing was written\. row 3, column number/);
    expect(c.snapshot()).toBe(before);
  });

  it("reports the rules the services apply while writing (groups, numbering plan, usernames) and rolls everything back", async () => {
    const file = [HEADER, "401,Fine,,,,,,,", "402,No group,,,,,,,nogroup", "911,Emergency,,,,,,,", "403,Taken,ana,,,,,,"].join("\n");
    const before = c.snapshot();
    for (const query of ["?dryRun=1", ""]) {
      const r = await upload(file, query);
      expect(r.status).toBe(400);
      expect(r.json.error.problems).toEqual([
        { row: 3, column: "groups", reason: 'no group "nogroup" in this tenant' },
        { row: 4, column: "number", reason: expect.stringMatching(/911 is in the restricted range/) },
        { row: 5, column: "username", reason: "ana is already used by extension 201" },
      ]);
    }
    expect(c.snapshot()).toBe(before);
  });

  it("refuses malformed CSV, another header, an unknown tenant and a non-admin token", async () => {
    expect((await upload("")).json.error.message).toMatch(/malformed CSV: the file is empty; it needs the header line and one line per extension/);
    expect((await upload("201,Ana\n")).json.error.message).toMatch(/malformed CSV: the first line is an extension, not the header; start the file with the line number,display_name,/);
    expect((await upload("mac,model\n805ec0000001,T54W\n")).json.error.message).toMatch(/unknown column "mac"/);
    expect((await upload(`${HEADER}\n`)).json.error.message).toMatch(/no extension rows/);
    expect((await c.call("POST", "/tenants/nope.example/extension-imports", site, "admin", "text/csv")).status).toBe(404);
    expect((await c.call("POST", `${T}/extension-imports`, site, "technician", "text/csv")).status).toBe(403);
    expect((await c.call("POST", `${T}/extension-imports`, site, "admin", "text/plain")).status).toBe(415);
  });

  it("does the same through the CLI: dry run, import, export, exit codes", async () => {
    const dir = c.config.dataDir;
    const file = join(dir, "team.csv");
    writeFileSync(file, ["number,display_name,groups", "501,Team One,sales", "502,Team Two,"].join("\n"));
    const dry = await cli(["extension", "import", "acme.example", file, "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/dry run, nothing written; it would be imported: 2 row\(s\): 2 created/);
    const done = await cli(["extension", "import", "acme.example", file, "--json"]);
    expect(done.code, done.stderr).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ accepted: true, created: 2, batchId: expect.any(Number) });
    const audit = (await c.call("GET", "/audit?extension=501&tenant=acme.example")).json.events.map((e: { actor: string; action: string }) => `${e.actor} ${e.action}`);
    expect(audit).toEqual(expect.arrayContaining(["cli extension.create", "cli extension.groups"]));
    const bad = join(dir, "bad.csv");
    writeFileSync(bad, "number,display_name\n5x1,Nope\n");
    const refused = await cli(["extension", "import", "acme.example", bad]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/row 2, column number: "5x1" is not an extension number/);
    const exported = await cli(["extension", "export", "acme.example", "-"]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/^501,Team One,501,501,501,user,yes,,yes,sales$/m);
  });
});
