import { count, eq } from "drizzle-orm";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDb } from "../../src/db/client.ts";
import type { Data } from "../../src/db/data.ts";
import { openBootstrapWindowIn } from "../../src/provisioning/bootstrap.ts";
import { FetchRecorder } from "../../src/provisioning/fetch-recorder.ts";
import { provision, type Authenticator, type ProvisionDeps, type ProvisionResult } from "../../src/provisioning/provision.ts";
import { RenderCache } from "../../src/provisioning/render-cache.ts";
import { dataRequestReads } from "../../src/provisioning/request-reads.ts";
import { SourceLimiter } from "../../src/provisioning/source-limiter.ts";
import { setLines } from "../../src/services/device-layout.ts";
import { createDevice, deviceCredentials } from "../../src/services/devices.ts";
import { createExtension, updateExtension } from "../../src/services/extensions.ts";
import { ExtensionInput, TenantInput } from "../../src/services/schemas.ts";
import { createTenant, updateTenant } from "../../src/services/tenants.ts";
import { VENDOR_IDS, VENDOR_LIST } from "../../src/vendors/registry.ts";
import { convertedDeps, dataDialects } from "../helpers/data-dialects.ts";
import { usePostgres } from "../helpers/postgres.ts";
import { builtinTemplateStore } from "../helpers/templates.ts";

/**
 * The provisioning pipeline (identify, authorize, resolve, render) reading through the asynchronous
 * handle, the same tests on SQLite and PostgreSQL: the reads of every fetch (request-reads.ts), the
 * resolver, the render cache's generation, zero-touch windows and config passwords. `deps.db` throws
 * when touched (convertedDeps), so nothing of a fetch reaches for the synchronous handle.
 */
const postgres = usePostgres();
const TENANT = "pipe.example";
const YEALINK = "805ec0000201";
const GRANDSTREAM = "c074ad000202";
const PHONE = "198.51.100.20";

const knows = (password: string): Authenticator => ({ method: "digest", check: (_u, p) => p === password });
const request = (fileName: string, remoteAddress = PHONE) => ({ transport: "http" as const, fileName, remoteAddress });
const served = (r: ProvisionResult) => {
  if (r.outcome !== "served") throw new Error(`expected served, got ${r.outcome}`);
  return r;
};

describe.each(dataDialects(postgres))("the request path on $name", (dialect) => {
  let data: Data;
  let cleanup: () => Promise<void>;
  let peer: (() => Promise<Data>) | undefined;
  let deps: ProvisionDeps;
  const recorderDb = openDb(":memory:");
  const passwords = new Map<string, string>();

  /** A node: its own render cache (and, for a second node, its own handle on the same database). */
  const node = (handle: Data, renderCache?: RenderCache): ProvisionDeps => {
    const base = convertedDeps(handle, () => new Date("2026-12-01T10:00:00Z"));
    const templates = builtinTemplateStore(VENDOR_IDS);
    return {
      ...base,
      secrets: deps?.secrets ?? base.secrets,
      vendors: VENDOR_LIST,
      templates,
      reads: dataRequestReads(handle, () => templates.generation),
      publicUrl: "http://prov.test:8080/",
      // The fetch log is not this test's: its recorder is never flushed.
      recorder: new FetchRecorder(recorderDb, 60_000, 100, (err) => {
        throw err;
      }),
      discoveryLimiter: new SourceLimiter(100, 3_600_000),
      logger: pino({ level: "silent" }),
      ...(renderCache ? { renderCache } : {}),
    };
  };

  beforeEach(async () => {
    ({ data, cleanup, peer } = await dialect.open());
    deps = node(data, new RenderCache(16 * 1024 * 1024));
    await createTenant(deps, TenantInput.parse({ sipDomain: TENANT, sipServerHost: "pbx.pipe.example" }));
    await createExtension(deps, TENANT, ExtensionInput.parse({ number: "201", displayName: "Front desk" }));
    for (const [mac, vendor, model] of [
      [YEALINK, "yealink", "T54W"],
      [GRANDSTREAM, "grandstream", "GRP2614"],
    ] as const) {
      const device = await createDevice(deps, { mac, vendor, model, tenant: TENANT, label: null });
      passwords.set(mac, deviceCredentials(deps, device).password);
    }
    await setLines(deps, YEALINK, [{ index: 1, extension: "201" }]);
  });
  afterEach(async () => cleanup());

  it("serves a device file to its own credentials, refuses a wrong password and an unknown MAC alike", async () => {
    const file = served(await provision(request(`${YEALINK}.cfg`), deps, knows(passwords.get(YEALINK)!)));
    expect(file.authMethod).toBe("digest");
    expect(file.credentials).toEqual(["201"]);
    expect(file.body.toString()).toContain("Front desk");
    expect(await provision(request(`${YEALINK}.cfg`), deps, knows("wrong"))).toMatchObject({ outcome: "unauthorized", credentialsFailed: true });
    expect(await provision(request("805ec0999999.cfg"), deps, knows("wrong"))).toMatchObject({ outcome: "unauthorized", device: null, credentialsFailed: true });
    expect(served(await provision(request("y000000000096.cfg"), deps, null)).kind).toBe("common");
  });

  it("answers a second fetch from the render cache, and a change at the very next fetch", async () => {
    const cache = deps.renderCache!;
    const fetch = async () => served(await provision(request(`${YEALINK}.cfg`), deps, knows(passwords.get(YEALINK)!)));
    const first = await fetch();
    const hits = cache.hits;
    expect((await fetch()).etag).toBe(first.etag);
    expect(cache.hits).toBe(hits + 1);
    await updateExtension(deps, TENANT, "201", { displayName: "Reception" });
    const changed = await fetch();
    expect(changed.body.toString()).toContain("Reception");
    expect(changed.etag).not.toBe(first.etag);
  });

  it("serves a change written through another node's handle at this node's next fetch", async (ctx) => {
    // An in-memory database has no second connection: there is no other node to be.
    if (!peer) return ctx.skip();
    const other = await peer();
    try {
      const a = node(other, new RenderCache(16 * 1024 * 1024));
      const fetch = async (n: ProvisionDeps) => served(await provision(request(`${YEALINK}.cfg`), n, knows(passwords.get(YEALINK)!))).body.toString();
      expect(await fetch(a)).toContain("Front desk");
      expect(await fetch(deps)).toContain("Front desk");
      await updateExtension(a, TENANT, "201", { displayName: "Reception" });
      expect(await fetch(deps)).toContain("Reception");
      await updateExtension(deps, TENANT, "201", { displayName: "Night desk" });
      expect(await fetch(a)).toContain("Night desk");
    } finally {
      await other.close();
    }
  });

  it("lets a zero-touch window stand in for the password, from its address only, and closes it once the credentials went out", async () => {
    const device = (await data.read((q) => q.db.select().from(q.t.devices).where(eq(q.t.devices.mac, GRANDSTREAM))))[0]!;
    await data.write(async (q) => {
      await openBootstrapWindowIn(q, { deviceId: device.id, tenantId: device.tenantId, sourceIp: PHONE, now: Date.parse("2026-12-01T09:59:00Z"), seconds: 600, openedBy: "test", reason: "manual" });
    });
    expect(await provision(request(`cfg${GRANDSTREAM}.xml`, "198.51.100.99"), deps, null)).toMatchObject({ outcome: "unauthorized" });
    const file = served(await provision(request(`cfg${GRANDSTREAM}.xml`), deps, null));
    expect(file.authMethod).toBe("bootstrap");
    const windows = await data.read((q) => q.db.select().from(q.t.bootstrapWindows));
    expect(windows).toEqual([expect.objectContaining({ filesServed: 1, closedReason: "delivered" })]);
    const audit = await data.read((q) => q.db.select().from(q.t.auditLog).where(eq(q.t.auditLog.action, "device.bootstrap_delivered")));
    expect(audit).toEqual([expect.objectContaining({ actor: `phone:${PHONE}`, mac: GRANDSTREAM })]);
    expect(await provision(request(`cfg${GRANDSTREAM}.xml`), deps, null)).toMatchObject({ outcome: "unauthorized" });
  });

  it("gives a device of an encrypting tenant its config password on its first fetch, once", async () => {
    await updateTenant(deps, TENANT, { configEncryption: true });
    const keys = () => data.read(async (q) => (await q.db.select({ n: count() }).from(q.t.deviceConfigKeys))[0]!.n);
    expect(await keys()).toBe(0);
    const fetch = () => provision(request(`cfg${GRANDSTREAM}.xml`), deps, knows(passwords.get(GRANDSTREAM)!));
    const [a, b] = await Promise.all([fetch(), fetch()]);
    expect(served(a).encrypted).toBe(true);
    expect(served(b).encrypted).toBe(true);
    expect(await keys()).toBe(1);
  });
});
