import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog } from "../../src/db/schema.ts";
import { deliverDue, DEFAULT_FEED, type FeedSettings } from "../../src/pbx/outbox.ts";
import { signatureOf, verifySignature } from "../../src/pbx/signature.ts";
import { createWebhook, listDeliveries } from "../../src/pbx/webhooks.ts";
import { enableExtension, forceUnregister } from "../../src/registrations/force-unregister.ts";
import { DEFAULT_SIP_SETTINGS } from "../../src/registrations/sip-settings.ts";
import { createExtension, deleteExtension, resetExtensionPassword, updateExtension } from "../../src/services/extensions.ts";
import { createTenant } from "../../src/services/tenants.ts";
import { startAdminClient } from "../helpers/admin-client.ts";
import { createTestDeps, dumpDb } from "../helpers/test-deps.ts";

interface Received {
  headers: IncomingMessage["headers"];
  body: string;
}

/** A real HTTP receiver on loopback: answers `status()` to each POST and keeps what it got. */
async function startReceiver(status: () => number | "hang" = () => 200) {
  const got: Received[] = [];
  const hanging: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      got.push({ headers: req.headers, body });
      const s = status();
      if (s === "hang") hanging.push(() => res.end());
      else res.writeHead(s).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    got,
    close: () => new Promise<void>((r) => {
      for (const h of hanging) h();
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

const FAST: FeedSettings = { ...DEFAULT_FEED, backoffMs: 5, maxBackoffMs: 20, maxAttempts: 3, timeoutMs: 2000 };

describe("change feed", () => {
  const deps = createTestDeps();
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let fail = 0;
  let secret: string;
  beforeAll(async () => {
    receiver = await startReceiver(() => (fail-- > 0 ? 500 : 200));
    await createTenant(deps, { name: "f.example", sipDomain: "f.example", sipServerHost: "pbx.f.example" } as never);
    secret = (await createWebhook(deps, { name: "pbx-1", url: receiver.url, tenants: ["f.example"] })).secret;
  });
  afterAll(async () => {
    deps.close();
    await receiver.close();
  });
  const drain = async () => {
    for (let i = 0; i < 200 && (await deliverDue(deps, FAST)) + (await listDeliveries(deps, { state: "pending" })).length > 0; i++) await new Promise((r) => setTimeout(r, 5));
  };

  it("signs and delivers created, changed, rotated, disabled, enabled, deleted in order, with no secret in the body", async () => {
    await createExtension(deps, "f.example", { number: "301", displayName: "Di" } as never);
    await updateExtension(deps, "f.example", "301", { displayName: "Dina" } as never);
    await resetExtensionPassword(deps, "f.example", "301");
    await forceUnregister(deps, DEFAULT_SIP_SETTINGS, "f.example", "301", { mode: "disable" }, "test");
    await enableExtension(deps, "f.example", "301", "test");
    await deleteExtension(deps, "f.example", "301");
    fail = 2; // the first event fails twice: it is retried, and the later ones wait for it
    await drain();
    const events = receiver.got.map((g) => JSON.parse(g.body));
    const firstOk = events.map((e) => e.type);
    expect(firstOk).toEqual([
      "extension.created",
      "extension.created",
      "extension.created",
      "extension.changed",
      "extension.credentials_rotated",
      "extension.credentials_rotated",
      "extension.disabled",
      "extension.enabled",
      "extension.deleted",
    ]);
    expect(events[3]).toMatchObject({ tenant: "f.example", domain: "f.example", extension: "301", displayName: "Dina", enabled: true });
    expect(events[6]).toMatchObject({ enabled: false });
    expect(events.at(-1)).toMatchObject({ credentials: null, enabled: false });
    for (const g of receiver.got) {
      expect(g.body).not.toMatch(/password|ha1/i);
      const ok = verifySignature(secret, { timestamp: g.headers["phonehome-timestamp"] as string, signature: g.headers["phonehome-signature"] as string }, g.body, Math.floor(Date.now() / 1000));
      expect(ok).toEqual({ ok: true });
    }
    expect((await listDeliveries(deps, {})).every((d) => d.state === "delivered")).toBe(true);
    expect((await listDeliveries(deps, {})).at(-1)).toMatchObject({ type: "extension.created", attempts: 3 });
  });

  it("the verification recipe refuses a forged signature, a changed body, another secret and a replay", () => {
    const g = receiver.got.at(-1)!;
    const ts = g.headers["phonehome-timestamp"] as string;
    const now = Number(ts);
    const signature = g.headers["phonehome-signature"] as string;
    expect(verifySignature(secret, { timestamp: ts, signature: `v1=${"0".repeat(64)}` }, g.body, now)).toMatchObject({ ok: false, reason: "signature does not match" });
    expect(verifySignature(secret, { timestamp: ts, signature }, g.body.replace("f.example", "x.example"), now).ok).toBe(false);
    expect(verifySignature("whsec_other", { timestamp: ts, signature }, g.body, now).ok).toBe(false);
    expect(verifySignature(secret, { timestamp: ts, signature }, g.body, now + 301)).toMatchObject({ ok: false, reason: expect.stringMatching(/tolerance/) });
    expect(verifySignature(secret, { timestamp: String(now + 1), signature }, g.body, now).ok).toBe(false);
    expect(signatureOf(secret, now, g.body)).toBe(signature);
  });

  it("gives up after the last attempt, shows the failure in the deliveries and the audit, and goes on with the next event", async () => {
    await createExtension(deps, "f.example", { number: "302", displayName: "Ed" } as never);
    await resetExtensionPassword(deps, "f.example", "302");
    const before = receiver.got.length;
    fail = FAST.maxAttempts; // every attempt of the first event fails
    await drain();
    const failed = await listDeliveries(deps, { state: "failed" });
    expect(failed).toEqual([expect.objectContaining({ type: "extension.created", extension: "f.example/302", attempts: 3, lastStatus: 500, lastError: "answered 500" })]);
    expect(receiver.got.slice(before).map((g) => JSON.parse(g.body).type)).toEqual(["extension.created", "extension.created", "extension.created", "extension.credentials_rotated"]);
    const audit = deps.db.select().from(auditLog).all().filter((a) => a.action.startsWith("pbx_webhook.delivery"));
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(["pbx_webhook.delivery_retry", "pbx_webhook.delivery_failed"]));
  });

  it("refuses bad webhooks with the reason and changes nothing", async () => {
    const before = dumpDb(deps);
    await expect(createWebhook(deps, { name: "x", url: "ftp://h/" })).rejects.toThrow(/http:\/\/ or https:\/\//);
    await expect(createWebhook(deps, { name: "bad name", url: receiver.url })).rejects.toThrow(/letters, digits/);
    await expect(createWebhook(deps, { name: "y", url: receiver.url, tenants: ["nope.example"] })).rejects.toThrow(/no tenant named nope.example/);
    await expect(createWebhook(deps, { name: "pbx-1", url: receiver.url })).rejects.toThrow(/already exists/);
    await expect(listDeliveries(deps, { state: "lost" })).rejects.toThrow();
    expect(dumpDb(deps)).toBe(before);
  });
});

describe("change feed through the server", () => {
  it("never holds the admin's request: a receiver that does not answer leaves the API answering, and the API shows the webhook", async () => {
    const receiver = await startReceiver(() => "hang");
    const c = await startAdminClient({ pbxFeedIntervalMs: 20 }, { roles: ["admin", "readonly"] });
    try {
      await c.call("POST", "/tenants", { name: "g.example", sipDomain: "g.example", sipServerHost: "pbx.g.example" });
      const created = await c.call("POST", "/pbx/webhooks", { name: "slow", url: receiver.url });
      expect(created.status).toBe(201);
      expect(created.json.secret).toMatch(/^whsec_/);
      expect((await c.call("POST", "/tenants/g.example/extensions", { number: "401", displayName: "Fe" })).status).toBe(201);
      for (let i = 0; i < 100 && receiver.got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(receiver.got).toHaveLength(1);
      // The receiver still holds that delivery; the admin API answers meanwhile.
      expect((await c.call("POST", "/tenants/g.example/extensions/401/reset-password")).status).toBe(200);
      const hooks = await c.call("GET", "/pbx/webhooks", undefined, "readonly");
      expect(hooks.json.webhooks[0]).toMatchObject({ name: "slow", pending: 2, delivered: 0 });
      await c.refused("POST", "/pbx/webhooks", { name: "slow2", url: "not a url" }, 400, /http:\/\/ or https:\/\//);
      expect((await c.call("POST", "/pbx/webhooks", { name: "z", url: receiver.url }, "readonly")).status).toBe(403);
    } finally {
      await receiver.close();
      await c.close();
    }
  }, 30_000);
});
