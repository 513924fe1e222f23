import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { deviceLines, devices, fetchLog } from "../../src/db/schema.ts";
import { DEMO_TENANT, loadDemo } from "../../src/demo.ts";
import { parseMac } from "../../src/domain/mac.ts";
import { createPhoneApp } from "../../src/http/phone-app.ts";
import { missingTemplates } from "../../src/provisioning/template-store.ts";
import { issueEventSecret } from "../../src/registrations/event-secrets.ts";
import { newDeviceSecrets } from "../../src/services/devices.ts";
import { getExtension } from "../../src/services/extensions.ts";
import { getTenant, updateTenant } from "../../src/services/tenants.ts";
import { VENDOR_IDS, VENDOR_LIST } from "../../src/vendors/registry.ts";
import { acme, ACME_ID } from "../fixtures/vendors/acme/index.ts";
import { createTestDeps, type TestDeps } from "../helpers/test-deps.ts";
import { builtinTemplateStore } from "../helpers/templates.ts";

/**
 * A fourth vendor from one folder (test/fixtures/vendors/acme/) and one registry entry: the
 * pipeline identifies, authorises, resolves, renders, delivers and records its phone's files over
 * HTTP with no other change.
 */
const MAC = parseMac("a1c3e0000001")!;
let deps: TestDeps;
let server: Server;
let base: string;
let deviceId: number;

beforeAll(async () => {
  const fixtures = fileURLToPath(new URL("../fixtures/vendors/acme/templates", import.meta.url));
  deps = { ...createTestDeps(), vendors: [...VENDOR_LIST, acme], templates: builtinTemplateStore([...VENDOR_IDS, ACME_ID], [fixtures]) };
  expect(missingTemplates(deps.templates, deps.vendors)).toEqual([]);
  await loadDemo(deps);
  updateTenant(deps, DEMO_TENANT, { authMode: "network", allowedNetworks: ["127.0.0.0/8"] });
  const tenant = getTenant(deps, DEMO_TENANT);
  const now = deps.clock().getTime();
  // The admin services check ids and models against VENDOR_IDS, where a real vendor is listed: the rows they would write.
  const row = deps.db
    .insert(devices)
    .values({ mac: MAC, vendor: ACME_ID, model: "A1", tenantId: tenant.id, label: null, ...newDeviceSecrets(deps, MAC), createdAt: now, updatedAt: now })
    .returning()
    .get();
  deviceId = row.id;
  issueEventSecret(deps.db, deps.secrets, row.id, now);
  const ext = getExtension(deps, DEMO_TENANT, "101");
  deps.db.insert(deviceLines).values({ deviceId: row.id, lineIndex: 1, extensionId: ext.id }).run();
  const app = createPhoneApp(deps, { ...loadConfig({}, {}), authFailMaxDelayMs: 0 });
  server = createServer(app.callback());
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  deps.close();
});

describe("a fourth vendor registered from one folder", () => {
  it("serves its phone's device file with the phone's SIP credentials, and records the fetch", async () => {
    const r = await fetch(`${base}/acme-${MAC}.cfg`, { headers: { "user-agent": "AcmePhone/A1 1.2.3" } });
    expect(r.status).toBe(200);
    const body = await r.text();
    expect(body).toMatch(/^line1\.user = 101$/m);
    expect(body).toMatch(/^line1\.password = [A-Za-z0-9]{22}$/m);
    expect(body).toContain("server = pbx.");
    deps.recorder.flush();
    const row = deps.db.select().from(fetchLog).all().find((f) => f.fileName === `acme-${MAC}.cfg`);
    expect(row).toMatchObject({ outcome: "served", mac: MAC, authMethod: "network", credentials: "101", status: 200 });
  });

  it("answers 304 for the same configuration and serves its common file to anyone", async () => {
    const first = await fetch(`${base}/acme-${MAC}.cfg`);
    const again = await fetch(`${base}/acme-${MAC}.cfg`, { headers: { "if-none-match": first.headers.get("etag")! } });
    expect(again.status).toBe(304);
    const common = await fetch(`${base}/acme.cfg`);
    expect([common.status, await common.text()]).toEqual([200, "acme.common = 1\n"]);
  });

  it("takes its phone's registration events through the adapter's parser", async () => {
    const row = deps.db.$client.prepare("select secret_enc from device_event_secrets where device_id = ?").get(deviceId) as { secret_enc: string };
    const secret = deps.secrets.open(row.secret_enc);
    expect((await fetch(`${base}/events/${MAC}/${secret}/registered?account=101`)).status).toBe(200);
    expect((await fetch(`${base}/events/${MAC}/${secret}/rebooted`)).status).toBe(400);
    const state = deps.db.$client.prepare("select state from registrations where device_id = ?").get(deviceId) as { state: string };
    expect(state.state).toBe("registered");
  });
});
