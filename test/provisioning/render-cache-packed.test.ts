import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEMO_TENANT, loadDemo } from "../../src/demo.ts";
import { provision, type Authenticator } from "../../src/provisioning/provision.ts";
import { RenderCache } from "../../src/provisioning/render-cache.ts";
import { updateTenant } from "../../src/services/tenants.ts";
import { createDevice } from "../../src/services/devices.ts";
import { setKeys, setLines } from "../../src/services/device-layout.ts";
import { createExtension } from "../../src/services/extensions.ts";
import { ExtensionInput, KeyInput } from "../../src/services/schemas.ts";
import { createTestDeps, type TestDeps } from "../helpers/test-deps.ts";

/**
 * The render cache's storage: files past the share of the bound kept as rendered are packed
 * (src/provisioning/packed-file.ts). What a hit gives back must be what was rendered, byte for
 * byte, and the bound must hold whichever way files are kept.
 */

let deps: TestDeps;
let passwords: Map<string, string>;
let demo: Awaited<ReturnType<typeof loadDemo>>;

beforeEach(async () => {
  deps = createTestDeps({ now: new Date("2026-06-01T12:00:00Z") });
  demo = await loadDemo(deps);
  passwords = new Map(demo.map((d) => [d.mac, d.password]));
});
afterEach(() => deps.close());

const knows = (password: string): Authenticator => ({ method: "digest", check: (_u, p) => p === password });
const req = (fileName: string, transport: "http" | "tftp" = "http") => ({ transport, fileName, remoteAddress: "198.51.100.7" });
const cacheOf = (maxBytes: number, asRenderedShare: number) => new RenderCache(maxBytes, asRenderedShare);

/** Every device file of the demo, fetched once through `cache` with its own credentials (over `transport`). */
async function fetchAll(cache: RenderCache, transport: "http" | "tftp" = "http") {
  const served = [];
  for (const d of demo) {
    for (const file of d.files) {
      const r = await provision(req(file, transport), { ...deps, renderCache: cache }, transport === "tftp" ? { method: "trusted_network" } : knows(passwords.get(d.mac)!));
      expect(r.outcome, file).toBe("served");
      if (r.outcome === "served") served.push({ file, r });
    }
  }
  return served;
}

/** What the cache gives back for a file: the part of the result a hit must reproduce. */
const fields = (r: Extract<Awaited<ReturnType<typeof provision>>, { outcome: "served" }>) => ({
  body: Buffer.from(r.body).toString("base64"),
  length: r.body.length,
  contentType: r.contentType,
  contentHash: r.contentHash,
  etag: r.etag,
  encrypted: r.encrypted,
  plain: r.plain ? Buffer.from(r.plain).toString("base64") : null,
  credentials: r.credentials,
  secretValues: r.secretValues,
});

describe("render cache: packed files", () => {
  it("a packed file is served byte for byte as rendered: body, Content-Length, ETag, fetch-log hash, credentials, secret values", async () => {
    const rendered = cacheOf(64 * 1024 * 1024, 1);
    const packed = cacheOf(64 * 1024 * 1024, 0);
    const first = (await fetchAll(rendered)).map(({ file, r }) => ({ file, ...fields(r) }));
    await fetchAll(packed);
    const hitsBefore = packed.hits;
    // Second pass: every file is a hit of the packed cache, unpacked.
    const again = (await fetchAll(packed)).map(({ file, r }) => ({ file, ...fields(r) }));
    expect(packed.hits - hitsBefore).toBe(first.length);
    expect(again).toEqual(first);
    // Fresh renders (no cache) agree: nothing was served from a stale or mixed-up entry.
    const uncached = [];
    for (const d of demo) for (const file of d.files) uncached.push(await provision(req(file), deps, knows(passwords.get(d.mac)!)));
    const uncachedHashes = uncached.map((r) => (r.outcome === "served" ? r.contentHash : null));
    expect(again.map((f) => f.contentHash)).toEqual(uncachedHashes);
  });

  it("files alike pack against one dictionary: 40 Yealink phones of one tenant take a fraction of their rendered size", async () => {
    await createExtension(deps, DEMO_TENANT, ExtensionInput.parse({ number: "2199", displayName: "Shared" }));
    const macs = Array.from({ length: 40 }, (_, i) => `805ec0aa${i.toString(16).padStart(4, "0")}`);
    for (const [i, mac] of macs.entries()) {
      const number = String(2200 + i);
      await createExtension(deps, DEMO_TENANT, ExtensionInput.parse({ number, displayName: `Desk ${i}` }));
      await createDevice(deps, { mac, vendor: "yealink", model: "T54W", tenant: DEMO_TENANT, label: null });
      await setLines(deps, mac, [{ index: 1, extension: number }]);
      await setKeys(deps, mac, [KeyInput.parse({ index: 2, kind: "blf", value: "2199" })]);
    }
    await updateTenant(deps, DEMO_TENANT, { authMode: "network", allowedNetworks: ["198.51.100.0/24"] });
    const sizes = [];
    for (const share of [1, 0]) {
      const cache = cacheOf(64 * 1024 * 1024, share);
      const fetchEach = async () => {
        const out = [];
        for (const mac of macs) out.push(await provision(req(`${mac}.cfg`), { ...deps, renderCache: cache }, null));
        return out;
      };
      const bodies = await fetchEach();
      const hits = await fetchEach();
      expect(hits.map((r) => (r.outcome === "served" ? r.body.toString() : r.outcome))).toEqual(bodies.map((r) => (r.outcome === "served" ? r.body.toString() : r.outcome)));
      expect(cache.size.entries).toBe(macs.length);
      sizes.push(cache.size.bytes);
    }
    // Counting the dictionary: a T54W file of about 6 KB packs to a few hundred bytes.
    expect(sizes[1]).toBeLessThan(sizes[0]! / 5);
  });

  it("an encrypted file (its plaintext kept beside it) comes back whole from a packed entry", async () => {
    await updateTenant(deps, DEMO_TENANT, { configEncryption: true });
    const rendered = (await fetchAll(cacheOf(64 * 1024 * 1024, 1), "tftp")).map(({ file, r }) => ({ file, ...fields(r) }));
    const encrypted = rendered.filter((f) => f.encrypted);
    expect(encrypted.length, "the demo has a vendor that encrypts").toBeGreaterThan(0);
    const packed = cacheOf(64 * 1024 * 1024, 0);
    await fetchAll(packed, "tftp");
    expect((await fetchAll(packed, "tftp")).map(({ file, r }) => ({ file, ...fields(r) }))).toEqual(rendered);
  });

  it("the bound holds with packed files; the least recently used go first", async () => {
    const probe = cacheOf(2 ** 40, 0);
    await fetchAll(probe);
    // Room for about half of the files, all packed.
    const cache = cacheOf(Math.floor(probe.size.bytes * 0.5), 0);
    const served = await fetchAll(cache);
    expect(cache.size.bytes).toBeLessThanOrEqual(Math.floor(probe.size.bytes * 0.5));
    expect(cache.size.entries).toBeLessThan(served.length);
    expect(cache.size.entries).toBeGreaterThan(0);
    // The most recently fetched are the ones kept: fetching the last one again is a hit, the first a miss.
    const d = demo.at(-1)!;
    const last = d.files.at(-1)!;
    let hits = cache.hits;
    await provision(req(last), { ...deps, renderCache: cache }, knows(passwords.get(d.mac)!));
    expect(cache.hits).toBe(hits + 1);
    const first = demo[0]!;
    const misses = cache.misses;
    hits = cache.hits;
    await provision(req(first.files[0]!), { ...deps, renderCache: cache }, knows(passwords.get(first.mac)!));
    expect(cache.hits).toBe(hits);
    expect(cache.misses).toBe(misses + 1);
  });

  it("files are kept as rendered up to their share of the bound, packed past it, and rendered again once there is room", async () => {
    const all = cacheOf(2 ** 40, 1);
    await fetchAll(all);
    // A share that takes about a third of the files as rendered.
    const cache = cacheOf(all.size.bytes, 1 / 3);
    const served = await fetchAll(cache);
    expect(cache.size.entries).toBe(all.size.entries);
    expect(cache.size.bytes).toBeLessThanOrEqual(all.size.bytes);
    // Hits give back the same files whichever way each is kept.
    expect((await fetchAll(cache)).map(({ r }) => fields(r))).toEqual(served.map(({ r }) => fields(r)));
    // A newer generation empties it: the next files are kept as rendered again.
    await updateTenant(deps, DEMO_TENANT, { resyncMinutes: 61 });
    const d = demo[0]!;
    const file = d.files.at(-1)!;
    await provision(req(file), { ...deps, renderCache: cache }, knows(passwords.get(d.mac)!));
    const asRendered = cacheOf(2 ** 40, 1);
    await provision(req(file), { ...deps, renderCache: asRendered }, knows(passwords.get(d.mac)!));
    expect(cache.size).toEqual(asRendered.size);
  });

  it("a newer generation drops every entry at once: nothing of the old one is kept or hit", async () => {
    const cache = cacheOf(64 * 1024 * 1024, 0);
    await fetchAll(cache);
    expect(cache.size.entries).toBeGreaterThan(0);
    await updateTenant(deps, DEMO_TENANT, { resyncMinutes: 61 });
    const hits = cache.hits;
    const again = await fetchAll(cache);
    expect(cache.hits).toBe(hits);
    expect(cache.size.entries).toBe(again.length);
  });
});

