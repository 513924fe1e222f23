import { afterEach, describe, expect, it, vi } from "vitest";
import { devices, fetchLog } from "../../src/db/schema.ts";
import { updateTenant } from "../../src/services/tenants.ts";
import { DEMO_TENANT } from "../../src/demo.ts";
import { fetchRaw } from "../helpers/tftp.ts";
import { startTftpStack } from "../helpers/tftp-stack.ts";
import { dumpDb } from "../helpers/test-deps.ts";

/** Device files hold SIP credentials: over TFTP only to the networks the operator lists. */
let stack: Awaited<ReturnType<typeof startTftpStack>> | null = null;
afterEach(async () => {
  await stack?.close();
  stack = null;
});

const DEVICE_FILE = "805ec0000101.cfg";

function tftpRows() {
  stack!.deps.recorder.flush();
  return stack!.deps.db.select().from(fetchLog).all().filter((r) => r.transport === "tftp");
}

describe("device files over TFTP", () => {
  it("are never served when no network is listed (the default), and look like a missing file", async () => {
    stack = await startTftpStack();
    await expect(fetchRaw(stack.port, DEVICE_FILE)).rejects.toThrow(/ERROR 1: File not found/);
    await expect(fetchRaw(stack.port, "805ec0999999.cfg")).rejects.toThrow(/ERROR 1: File not found/);
    const rows = tftpRows();
    expect(rows.find((r) => r.fileName === DEVICE_FILE)).toMatchObject({ outcome: "unauthorized", mac: "805ec0000101", status: 401 });
  });

  it("are served to a listed network, recorded with auth method network, without touching the User-Agent", async () => {
    stack = await startTftpStack({ deviceNetworks: ["127.0.0.0/8"] });
    const before = stack.deps.db.select().from(devices).all().find((d) => d.mac === "805ec0000101")!;
    const body = (await fetchRaw(stack.port, DEVICE_FILE)).toString();
    expect(body).toContain("account.1.password");
    // A transfer is recorded when the server has the last ACK, a moment after the client is done.
    const row = await vi.waitFor(() => {
      const found = tftpRows().find((r) => r.fileName === DEVICE_FILE);
      if (!found) throw new Error("not recorded yet");
      return found;
    });
    expect(row).toMatchObject({ outcome: "served", authMethod: "network", status: 200 });
    const after = stack.deps.db.select().from(devices).all().find((d) => d.mac === "805ec0000101")!;
    expect(after.lastSeenAt).not.toBeNull();
    expect(after.lastUserAgent).toBe(before.lastUserAgent);
  });

  it("still obey a tenant that restricts its phones to its own networks", async () => {
    stack = await startTftpStack({ deviceNetworks: ["127.0.0.0/8"] });
    await updateTenant(stack.deps, DEMO_TENANT, { authMode: "credentials_or_network", allowedNetworks: ["10.1.0.0/16"] });
    await expect(fetchRaw(stack.port, DEVICE_FILE)).rejects.toThrow(/ERROR 1/);
    await updateTenant(stack.deps, DEMO_TENANT, { allowedNetworks: ["127.0.0.1/32"] });
    expect((await fetchRaw(stack.port, DEVICE_FILE)).length).toBeGreaterThan(100);
  });

  it("accept a leading slash, refuse any other path, and change nothing on a refusal", async () => {
    stack = await startTftpStack();
    expect((await fetchRaw(stack.port, "/y000000000000.boot")).length).toBeGreaterThan(10);
    stack.deps.recorder.flush();
    const dump = dumpDb(stack.deps);
    for (const name of ["../y000000000000.boot", "a/../y000000000000.boot", "..\\x", "//y000000000000.boot", "/etc/passwd"]) {
      await expect(fetchRaw(stack.port, name)).rejects.toThrow(/ERROR 1/);
    }
    stack.deps.recorder.flush();
    // Only fetch-log rows were added (the refusals are recorded), nothing else changed.
    const strip = (s: string) => JSON.parse(s).filter(([t]: [string]) => t !== "fetch_log");
    expect(strip(dumpDb(stack.deps))).toEqual(strip(dump));
  });
});

describe("TFTP fetches in the audit trail and the enumeration guard", () => {
  it("record which SIP credentials went to whom, the network rule and whether the file was encrypted", async () => {
    stack = await startTftpStack({ deviceNetworks: ["127.0.0.0/8"] });
    await updateTenant(stack.deps, DEMO_TENANT, { authMode: "credentials_or_network", allowedNetworks: ["127.0.0.1/32"] });
    await fetchRaw(stack.port, DEVICE_FILE);
    const row = await vi.waitFor(() => {
      const found = tftpRows().find((r) => r.fileName === DEVICE_FILE && r.outcome === "served");
      if (!found) throw new Error("not recorded yet");
      return found;
    });
    expect(row).toMatchObject({ authMethod: "network", networkRule: "127.0.0.1/32", encrypted: false, authUser: null });
    expect(row.credentials).toMatch(/^\d+(,\d+)*$/);
    expect(row.configHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("count refused device files per source: past the threshold the source is refused before any work", async () => {
    stack = await startTftpStack({ guard: { authBlockThreshold: 3, authFailMaxDelayMs: 0 } });
    for (let i = 0; i < 5; i++) await expect(fetchRaw(stack.port, `805ec0${String(900000 + i)}.cfg`)).rejects.toThrow(/ERROR 1/);
    // Blocked now: even a common file is refused, and recorded as rate limited.
    await expect(fetchRaw(stack.port, "y000000000000.boot")).rejects.toThrow(/ERROR 1/);
    // Refused requests are counted per source and minute (fetch_log `count`), not a row each.
    const tally = (o: string) => tftpRows().filter((r) => r.outcome === o).reduce((n, r) => n + r.count, 0);
    expect(tally("unauthorized")).toBe(4);
    expect(tally("rate_limited")).toBe(2);
    expect(stack.guard.retryAfter("127.0.0.1")).toBeGreaterThan(0);
  });

  it("raise the tenant alert when a tenant's phones are refused again and again", async () => {
    stack = await startTftpStack({ guard: { tenantFailThreshold: 2, authFailMaxDelayMs: 0, authBlockThreshold: 100 } });
    for (let i = 0; i < 3; i++) await expect(fetchRaw(stack.port, DEVICE_FILE)).rejects.toThrow(/ERROR 1/);
    const tenantId = stack.deps.db.select().from(devices).all().find((d) => d.mac === "805ec0000101")!.tenantId;
    expect(stack.alerts).toEqual([{ tenantId, failures: 3 }]);
  });
});

