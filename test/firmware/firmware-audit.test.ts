import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdminClient, type AdminClient } from "../helpers/admin-client.ts";

/** Firmware changes (issue 4) are admin changes: audited with the actor and before/after (issue 7). */
let c: AdminClient;
const Q = "vendor=yealink&models=T54W&version=96.86.0.100&name=T54W-96.86.0.100.rom";
const NAME = "96.86.0.100-T54W-96.86.0.100.rom";
const PIN = "/tenants/fw.example/firmware/yealink/T54W";

beforeAll(async () => {
  c = await startAdminClient({}, { roles: ["admin", "readonly"] });
  await c.call("POST", "/tenants", { name: "fw.example", sipDomain: "fw.example", sipServerHost: "pbx.fw.example" });
});
afterAll(() => c.close());

const events = async () => {
  const r = await c.call("GET", "/audit?type=admin&limit=1000", undefined, "readonly");
  expect(r.status).toBe(200);
  return (r.json.events as { action: string; actor: string; target: string; before: any; after: any }[]).filter((e) => e.action.startsWith("firmware."));
};

describe("audit of firmware changes", () => {
  it("records adding, pinning, unpinning and deleting an image with the token's actor", async () => {
    const up = await c.call("POST", `/firmware?${Q}`, randomBytes(4096), "admin", "application/octet-stream");
    expect(up.status).toBe(201);
    expect((await c.call("PUT", PIN, { version: "96.86.0.100" })).status).toBe(200);
    const [pin, create] = await events();
    expect(create).toMatchObject({ action: "firmware.create", actor: "token:admin", target: `firmware:${NAME}`, before: null });
    expect(create!.after).toMatchObject({ id: up.json.id, vendor: "yealink", models: ["T54W"], version: "96.86.0.100", fileName: NAME, size: 4096, sha256: up.json.sha256 });
    expect(pin).toMatchObject({
      action: "firmware.pin",
      actor: "token:admin",
      target: "firmware_pin:fw.example/yealink/T54W",
      before: null,
      after: { vendor: "yealink", model: "T54W", version: "96.86.0.100", fileName: NAME, firmwareId: up.json.id },
    });

    expect((await c.call("DELETE", PIN)).status).toBe(204);
    expect((await c.call("DELETE", `/firmware/${up.json.id}`)).status).toBe(204);
    const [del, unpin] = await events();
    expect(unpin).toMatchObject({ action: "firmware.unpin", actor: "token:admin", before: { version: "96.86.0.100", fileName: NAME }, after: null });
    expect(del).toMatchObject({ action: "firmware.delete", actor: "token:admin", target: `firmware:${NAME}`, before: { fileName: NAME, sha256: up.json.sha256 }, after: null });
  });

  it("records nothing for a refused change", async () => {
    const before = c.snapshot();
    const r = await c.call("PUT", PIN, { version: "1.2.3" });
    expect(r.status).toBe(400);
    expect((await c.call("DELETE", PIN)).status).toBe(404);
    expect(c.snapshot()).toBe(before);
  });
});
