import Database from "better-sqlite3";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_TENANT } from "../../src/demo.ts";
import { DEVICE_SEEN_COLUMNS, NOT_RENDERED_TABLES, RENDER_INPUT_TABLES, RenderCache } from "../../src/provisioning/render-cache.ts";
import { setKeys, setLines } from "../../src/services/device-layout.ts";
import { updateDevice } from "../../src/services/devices.ts";
import { createExtension, updateExtension } from "../../src/services/extensions.ts";
import { putCallWaiting } from "../../src/services/extension-settings/sections.ts";
import { CallWaitingInput } from "../../src/services/extension-settings/schemas.ts";
import { addMember, createGroup } from "../../src/services/groups.ts";
import { createLayout, putLayout, setDeviceLayout } from "../../src/services/key-layouts.ts";
import { ExtensionInput, KeyInput } from "../../src/services/schemas.ts";
import { updateFeatureCodes, updateTenant } from "../../src/services/tenants.ts";
import { cliRunner } from "../helpers/cli-run.ts";
import { curl } from "../helpers/curl.ts";
import { startDemoServer, type DemoServer } from "../helpers/demo-server.ts";
import { openDb } from "../../src/db/client.ts";
import { createDevice } from "../../src/services/devices.ts";
import { createTenant } from "../../src/services/tenants.ts";
import { TenantInput } from "../../src/services/schemas.ts";
import { createTestDeps } from "../helpers/test-deps.ts";
import { builtinTemplateSource } from "../helpers/templates.ts";

// The demo Yealink T54W (805ec0000101): one line (101), BLF keys on 102-104.
const MAC = "805ec0000101";

let s: DemoServer;
let cache: RenderCache;

const phone = () => s.demo.find((d) => d.mac === MAC)!;
const file = () => phone().files[phone().files.length - 1]!;
const fetchFile = async () => {
  const r = await curl(["--digest", "-u", `${phone().username}:${phone().password}`, `${s.phoneUrl}/${file()}`]);
  expect(r.status).toBe(200);
  return r.body;
};

/**
 * The file is served from the cache until `change` happens, then the very next fetch carries the
 * change: it equals a fresh render (no cache) and differs from what was served before.
 */
async function servesChangeAtOnce(change: () => unknown, changesFile = true, what = ""): Promise<void> {
  const before = await fetchFile();
  const hits = cache.hits;
  expect(await fetchFile()).toBe(before);
  expect(cache.hits).toBe(hits + 1);
  await change();
  const after = await fetchFile();
  expect(after).toBe(await s.expected(MAC, file()));
  if (changesFile) expect(after, what).not.toBe(before);
}

beforeAll(async () => {
  s = await startDemoServer({ publicUrl: "http://prov.example:8080/" });
  // The server's own cache, reached through the runtime the server built (one per data directory).
  cache = s.server.runtime.renderCache!;
});
afterAll(() => s.close());

describe("render cache", () => {
  it("serves a file rendered once until something it depends on changes", async () => {
    await servesChangeAtOnce(() => s.withRuntime((rt) => updateExtension(rt, DEMO_TENANT, "101", { displayName: "Reception desk" })));
  });

  it("a change of the device, its lines or its keys", async () => {
    await servesChangeAtOnce(() => s.withRuntime(async (rt) => await updateDevice(rt, MAC, { model: "T57W" })));
    await servesChangeAtOnce(() =>
      s.withRuntime(async (rt) => {
        await createExtension(rt, DEMO_TENANT, ExtensionInput.parse({ number: "110", displayName: "Second line" }));
        await setLines(rt, MAC, [{ index: 1, extension: "101" }, { index: 2, extension: "110" }]);
      }),
    );
    await servesChangeAtOnce(() => s.withRuntime(async (rt) => await setKeys(rt, MAC, [KeyInput.parse({ index: 1, kind: "line" }), KeyInput.parse({ index: 2, kind: "blf", value: "104" })])));
  });

  it("a change of a key layout or of a group a key watches", async () => {
    await servesChangeAtOnce(() =>
      s.withRuntime(async (rt) => {
        await createLayout(rt, DEMO_TENANT, { name: "desk", keys: [KeyInput.parse({ index: 1, kind: "line" }), KeyInput.parse({ index: 3, kind: "blf", value: "102" })] });
        await setDeviceLayout(rt, MAC, "desk");
      }),
    );
    await servesChangeAtOnce(() => s.withRuntime(async (rt) => await putLayout(rt, DEMO_TENANT, "desk", { keys: [KeyInput.parse({ index: 1, kind: "line" }), KeyInput.parse({ index: 3, kind: "blf", value: "103" })] })));
    await servesChangeAtOnce(() =>
      s.withRuntime(async (rt) => {
        await setDeviceLayout(rt, MAC, null);
        await createGroup(rt, DEMO_TENANT, { name: "sales", members: ["102"] });
        await setKeys(rt, MAC, [KeyInput.parse({ index: 1, kind: "line" }), KeyInput.parse({ index: 2, kind: "blf_group", value: "sales" })]);
      }),
    );
    await servesChangeAtOnce(() => s.withRuntime(async (rt) => await addMember(rt, DEMO_TENANT, "sales", "103")));
  });

  it("a change of a watched extension, of an extension's settings, of the tenant and of its feature codes", async () => {
    await servesChangeAtOnce(() => s.withRuntime((rt) => updateExtension(rt, DEMO_TENANT, "103", { displayName: "Carol at sales" })));
    await servesChangeAtOnce(() => s.withRuntime((rt) => putCallWaiting(rt, DEMO_TENANT, "101", CallWaitingInput.parse({ queueCalls: false }))), false);
    await servesChangeAtOnce(() => s.withRuntime((rt) => updateTenant(rt, DEMO_TENANT, { sipServerHost: "sip2.demo.example" })));
    await servesChangeAtOnce(() => s.withRuntime((rt) => updateFeatureCodes(rt, DEMO_TENANT, { dnd_on: "*178" })));
  });

  it("a write by another process on the same data directory (the CLI)", async () => {
    const cli = cliRunner(s.config);
    await servesChangeAtOnce(async () => {
      const r = await cli.run(["tenant", "set", DEMO_TENANT, "--sip-server-host", "sip3.demo.example"]);
      expect(r.code, r.stderr).toBe(0);
    });
  });

  it("a site template changed on disk", async () => {
    const name = "yealink/device.hbs";
    const source = builtinTemplateSource(name);
    mkdirSync(join(s.config.templatesDir, "yealink"), { recursive: true });
    await servesChangeAtOnce(async () => {
      const generation = s.withRuntime((rt) => rt.templates.generation);
      writeFileSync(join(s.config.templatesDir, name), `${source}\n# site override\n`);
      // inotify reports the write within milliseconds; the next fetch after it must carry the change.
      const served = s.server.runtime.templates;
      for (let i = 0; i < 200 && served.generation === generation; i++) await new Promise((r) => setTimeout(r, 10));
      expect(served.generation).toBeGreaterThan(generation);
    });
    expect(await fetchFile()).toContain("# site override");
  });

  it("a secret-key rotation re-seals without serving anything stale", async () => {
    const cli = cliRunner(s.config);
    await servesChangeAtOnce(async () => {
      const r = await cli.run(["secrets", "rotate"]);
      expect(r.code, r.stderr).toBe(0);
    }, false);
  });
});

describe("what the generation triggers cover", () => {
  it("every table is either a render input with triggers or listed as one that never reaches a file", () => {
    const db = openDb(":memory:").$client as Database.Database;
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%'").pluck().all() as string[]).sort();
    const classified = [...RENDER_INPUT_TABLES, ...NOT_RENDERED_TABLES] as string[];
    expect(tables.filter((t) => !classified.includes(t)), "tables to add to RENDER_INPUT_TABLES or NOT_RENDERED_TABLES").toEqual([]);
    const triggers = db.prepare("SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'").all() as { tbl_name: string; sql: string }[];
    for (const t of RENDER_INPUT_TABLES) expect(triggers.filter((x) => x.tbl_name === t), t).toHaveLength(3);
    // devices: every column but the ones the fetch recorder writes on every fetch.
    const deviceUpdate = triggers.find((x) => x.tbl_name === "devices" && /AFTER UPDATE/.test(x.sql))!.sql;
    const columns = (db.prepare("PRAGMA table_info(devices)").all() as { name: string }[]).map((c) => c.name);
    for (const c of columns) expect(deviceUpdate.includes(`\`${c}\``), c).toBe(!(DEVICE_SEEN_COLUMNS as readonly string[]).includes(c));
  });

  it("recording a fetch (last seen) does not move the generation; a configuration write does", async () => {
    const deps = createTestDeps();
    const gen = () => deps.db.$client.prepare("SELECT gen FROM config_generation").pluck().get() as number;
    await createTenant(deps, TenantInput.parse({ sipDomain: "t.example", sipServerHost: "pbx.t.example" }));
    const d = await createDevice(deps, { mac: "805ec0aa0001", vendor: "yealink", model: "T54W", tenant: "t.example", label: null });
    const g = gen();
    deps.db.$client.prepare("UPDATE devices SET last_seen_at = 1, last_ip = '10.0.0.1', last_user_agent = 'x', last_firmware = 'y' WHERE id = ?").run(d.id);
    expect(gen()).toBe(g);
    deps.db.$client.prepare("UPDATE devices SET label = 'desk' WHERE id = ?").run(d.id);
    expect(gen()).toBe(g + 1);
    deps.close();
  });
});
