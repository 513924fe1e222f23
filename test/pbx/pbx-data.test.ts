import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { asc } from "drizzle-orm";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Data } from "../../src/db/data.ts";
import { extensionCredential, tenantCredentials } from "../../src/pbx/credentials.ts";
import { answerDirectory, NOT_FOUND_DOCUMENT } from "../../src/pbx/freeswitch.ts";
import { deliverDue, DEFAULT_FEED, type FeedSettings } from "../../src/pbx/outbox.ts";
import { verifySignature } from "../../src/pbx/signature.ts";
import { createWebhook, deleteWebhook, listDeliveries, listWebhooks } from "../../src/pbx/webhooks.ts";
import { withActor } from "../../src/services/actor.ts";
import type { ServiceDeps } from "../../src/services/deps.ts";
import { createExtension, deleteExtension, resetExtensionPassword, updateExtension } from "../../src/services/extensions.ts";
import { ExtensionInput } from "../../src/services/schemas.ts";
import { convertedDeps, dataDialects } from "../helpers/data-dialects.ts";
import { addTenant } from "../helpers/device-data.ts";
import { usePostgres } from "../helpers/postgres.ts";
import { refuseAudit } from "../helpers/ddl.ts";

/**
 * The PBX side on the asynchronous handle, the same bodies on SQLite and PostgreSQL: webhooks and
 * their deliveries, the change feed's sender against a real receiver on loopback (two handles on one
 * database never send one delivery twice), the credential API and the FreeSWITCH directory.
 */
const postgres = usePostgres();
const TENANT = "acme.example";
const START = Date.parse("2026-12-01T10:00:00Z");
const FAST: FeedSettings = { ...DEFAULT_FEED, backoffMs: 1000, maxBackoffMs: 4000, maxAttempts: 2, timeoutMs: 5000 };
const logger = pino({ level: "silent" });

interface Receiver {
  readonly url: string;
  readonly got: { headers: IncomingMessage["headers"]; body: string }[];
  /** Answers held back while `hold` is set, released by `release()`. */
  hold: boolean;
  release(): void;
  close(): Promise<void>;
}

/** An HTTP receiver on loopback: answers `status(body)` to each POST and keeps what it got. */
async function startReceiver(status: (body: { extension: string; type: string }) => number): Promise<Receiver> {
  const held: (() => void)[] = [];
  const r: Receiver = {
    url: "",
    got: [],
    hold: false,
    release: () => held.splice(0).forEach((f) => f()),
    close: () =>
      new Promise<void>((done) => {
        r.release();
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      r.got.push({ headers: req.headers, body });
      const answer = () => res.writeHead(status(JSON.parse(body))).end();
      if (r.hold) held.push(answer);
      else answer();
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return Object.assign(r, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook` });
}

/** A clock that fails on its nth call: the services read it inside their transaction, after their first writes. */
function failingClock(n: number, at: number): () => Date {
  let calls = 0;
  return () => {
    if (++calls === n) throw new Error("clock failed midway");
    return new Date(at);
  };
}

const snapshot = (data: Data) =>
  data.read(async (q) => ({
    webhooks: await q.db.select().from(q.t.pbxWebhooks).orderBy(asc(q.t.pbxWebhooks.id)),
    deliveries: await q.db.select().from(q.t.pbxDeliveries).orderBy(asc(q.t.pbxDeliveries.eventId), asc(q.t.pbxDeliveries.webhookId)),
    audit: await q.db.select().from(q.t.auditLog).orderBy(asc(q.t.auditLog.id)),
  }));

const input = (number: string, displayName = `User ${number}`) => ExtensionInput.parse({ number, displayName });

describe.each(dataDialects(postgres))("PBX side on $name", (dialect) => {
  let data: Data;
  let deps: ServiceDeps;
  let cleanup: () => Promise<void>;
  let peer: (() => Promise<Data>) | undefined;
  let receiver: Receiver;
  let now: number;
  /** How many of the next answers are 500, to the events `failing` picks (every event unless set). */
  let fail: number;
  let failing: (b: { extension: string; type: string }) => boolean;
  const feed = (d: ServiceDeps = deps) => ({ ...d, logger });

  beforeEach(async () => {
    ({ data, cleanup, peer } = await dialect.open());
    now = START;
    fail = 0;
    failing = () => true;
    deps = convertedDeps(data, () => new Date(now));
    receiver = await startReceiver((b) => (failing(b) && fail-- > 0 ? 500 : 200));
    await addTenant(data, TENANT);
    await addTenant(data, "other.example");
  });
  afterEach(async () => {
    await receiver.close();
    await cleanup();
  });

  it("creates, lists and removes webhooks with their audit rows; the secret is shown once and stored sealed", async () => {
    const { webhook, secret } = await withActor("cli", () => createWebhook(deps, { name: "pbx-1", url: receiver.url, tenants: [TENANT, TENANT] }));
    expect(secret).toMatch(/^whsec_/);
    expect(webhook).toEqual({ name: "pbx-1", url: receiver.url, tenants: [TENANT], createdAt: new Date(START).toISOString(), pending: 0, delivered: 0, failed: 0 });
    await createWebhook(deps, { name: "all", url: receiver.url });
    await createExtension(deps, TENANT, input("101"));
    await createExtension(deps, "other.example", input("201"));
    expect((await listWebhooks(deps)).map((h) => [h.name, h.pending])).toEqual([
      ["all", 2],
      ["pbx-1", 1],
    ]);
    const s = await snapshot(data);
    expect(s.webhooks.map((h) => h.secretEnc)).not.toContain(secret);
    expect(deps.secrets.open(s.webhooks[0]!.secretEnc)).toBe(secret);
    expect((await listDeliveries(deps, { webhook: "pbx-1" })).map((d) => [d.extension, d.state, d.type])).toEqual([[`${TENANT}/101`, "pending", "extension.created"]]);
    await withActor("cli", () => deleteWebhook(deps, "pbx-1"));
    expect((await listWebhooks(deps)).map((h) => h.name)).toEqual(["all"]);
    expect((await listDeliveries(deps, {})).map((d) => d.webhook)).toEqual(["all", "all"]);
    const audit = (await snapshot(data)).audit.filter((a) => a.action.startsWith("pbx_webhook."));
    expect(audit.map(({ actor, action, target }) => [actor, action, target])).toEqual([
      ["cli", "pbx_webhook.create", "pbx_webhook:pbx-1"],
      ["system", "pbx_webhook.create", "pbx_webhook:all"],
      ["cli", "pbx_webhook.delete", "pbx_webhook:pbx-1"],
    ]);
  });

  it("refuses a bad webhook, a taken name, an unknown tenant, webhook or state, and writes nothing", async () => {
    await createWebhook(deps, { name: "pbx-1", url: receiver.url });
    const before = await snapshot(data);
    await expect(createWebhook(deps, { name: "x", url: "ftp://h/" })).rejects.toThrow(/http:\/\/ or https:\/\//);
    await expect(createWebhook(deps, { name: "pbx-1", url: receiver.url })).rejects.toMatchObject({ status: 409, message: "name: a webhook named pbx-1 already exists" });
    await expect(createWebhook(deps, { name: "y", url: receiver.url, tenants: ["nope.example"] })).rejects.toMatchObject({ status: 404, message: "no tenant named nope.example" });
    await expect(deleteWebhook(deps, "nope")).rejects.toMatchObject({ status: 404, message: "no webhook named nope" });
    await expect(listDeliveries(deps, { webhook: "nope" })).rejects.toMatchObject({ status: 400, message: "webhook: no webhook named nope" });
    await expect(listDeliveries(deps, { state: "lost" })).rejects.toThrow();
    expect(await snapshot(data)).toEqual(before);
  });

  it("keeps webhook create and remove all or nothing: a failure after the row leaves the tables as they were", async () => {
    await createWebhook(deps, { name: "pbx-1", url: receiver.url });
    const before = await snapshot(data);
    // createWebhook reads the clock for the row, then for its audit row; deleteWebhook for its audit row, after the delete.
    await expect(createWebhook({ ...deps, clock: failingClock(2, now) }, { name: "pbx-2", url: receiver.url })).rejects.toThrow("clock failed midway");
    await expect(deleteWebhook({ ...deps, clock: failingClock(1, now) }, "pbx-1")).rejects.toThrow("clock failed midway");
    expect(await snapshot(data)).toEqual(before);
  });

  it("gives two creates of one name at once one webhook and one refusal", async () => {
    const results = await Promise.allSettled([createWebhook(deps, { name: "pbx-1", url: receiver.url }), createWebhook(deps, { name: "pbx-1", url: `${receiver.url}/b` })]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect((results.find((r) => r.status === "rejected") as PromiseRejectedResult).reason).toMatchObject({ status: 409 });
    expect((await snapshot(data)).webhooks).toHaveLength(1);
  });

  it("sends each extension's events in order, signed, retries a failure and gives up after the last attempt", async () => {
    const { secret } = await createWebhook(deps, { name: "pbx-1", url: receiver.url, tenants: [TENANT] });
    await createExtension(deps, TENANT, input("101", "Di"));
    await updateExtension(deps, TENANT, "101", { displayName: "Dina" });
    await createExtension(deps, TENANT, input("102"));
    await createExtension(deps, "other.example", input("201"));
    // The first attempt of 101's first event fails: 101's next event waits for it, 102's does not.
    fail = 1;
    failing = (b) => b.extension === "101";
    expect(await deliverDue(feed(), FAST)).toBe(2);
    expect(receiver.got.map((g) => JSON.parse(g.body).extension)).toEqual(expect.arrayContaining(["101", "102"]));
    expect(await deliverDue(feed(), FAST)).toBe(0); // the retry's time has not come
    now += FAST.backoffMs;
    expect(await deliverDue(feed(), FAST)).toBe(1);
    expect(await deliverDue(feed(), FAST)).toBe(1);
    const bodies = receiver.got.map((g) => JSON.parse(g.body));
    expect(bodies.filter((b) => b.extension === "101").map((b) => b.type)).toEqual(["extension.created", "extension.created", "extension.changed"]);
    expect(bodies.at(-1)).toMatchObject({ tenant: TENANT, displayName: "Dina", enabled: true });
    for (const g of receiver.got) {
      expect(g.body).not.toMatch(/password|ha1/i);
      const ok = verifySignature(secret, { timestamp: g.headers["phonehome-timestamp"] as string, signature: g.headers["phonehome-signature"] as string }, g.body, Math.floor(now / 1000));
      expect(ok).toEqual({ ok: true });
    }
    expect((await listDeliveries(deps, {})).map((d) => [d.extension, d.type, d.state, d.attempts])).toEqual([
      [`${TENANT}/102`, "extension.created", "delivered", 1],
      [`${TENANT}/101`, "extension.changed", "delivered", 1],
      [`${TENANT}/101`, "extension.created", "delivered", 2],
    ]);
    await resetExtensionPassword(deps, TENANT, "102");
    fail = FAST.maxAttempts;
    failing = () => true;
    await deliverDue(feed(), FAST);
    now += FAST.backoffMs;
    await deliverDue(feed(), FAST);
    expect(await listDeliveries(deps, { state: "failed" })).toEqual([
      expect.objectContaining({ type: "extension.credentials_rotated", extension: `${TENANT}/102`, attempts: 2, lastStatus: 500, lastError: "answered 500" }),
    ]);
    const audit = (await snapshot(data)).audit.filter((a) => a.action.startsWith("pbx_webhook.delivery"));
    expect(audit.map((a) => [a.actor, a.action, a.outcome])).toEqual([
      ["system", "pbx_webhook.delivery_retry", "failed"],
      ["system", "pbx_webhook.delivery_retry", "failed"],
      ["system", "pbx_webhook.delivery_failed", "failed"],
    ]);
  });

  it("keeps an attempt's record all or nothing: a refused audit row leaves the delivery unrecorded", async () => {
    await createWebhook(deps, { name: "pbx-1", url: receiver.url });
    await createExtension(deps, TENANT, input("101"));
    await refuseAudit(data, "pbx_webhook.delivery_retry");
    const audit = (await snapshot(data)).audit;
    fail = 1;
    await expect(deliverDue(feed(), FAST)).rejects.toBeTruthy();
    expect(receiver.got).toHaveLength(1);
    const s = await snapshot(data);
    // The claim committed on its own (its lease); the failed attempt's update and audit row did not.
    expect(s.deliveries).toEqual([expect.objectContaining({ state: "pending", attempts: 0, lastStatus: null, lastError: null, nextAttemptAt: START, leaseUntil: START + FAST.leaseMs })]);
    expect(s.audit).toEqual(audit);
    // Once the lease has run out the delivery is sent again.
    now += FAST.leaseMs;
    fail = 0;
    expect(await deliverDue(feed(), FAST)).toBe(1);
    expect((await snapshot(data)).deliveries[0]).toMatchObject({ state: "delivered", attempts: 1, leaseUntil: null });
  });

  it("never sends one delivery from two handles on one database: a held delivery is left alone, and two senders at once send each once", async (ctx) => {
    if (!peer) return ctx.skip(); // an in-memory database has one connection: no second process can open it
    const other = await peer();
    try {
      const otherDeps = { ...convertedDeps(other, () => new Date(now)), secrets: deps.secrets };
      await createWebhook(deps, { name: "pbx-1", url: receiver.url });
      await createExtension(deps, TENANT, input("101"));
      receiver.hold = true;
      const first = deliverDue(feed(), FAST);
      for (let i = 0; i < 500 && receiver.got.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
      expect(receiver.got).toHaveLength(1);
      // The first handle holds the delivery (its lease) while the receiver has not answered.
      expect(await deliverDue(feed(otherDeps), FAST)).toBe(0);
      receiver.hold = false;
      receiver.release();
      expect(await first).toBe(1);
      expect(await deliverDue(feed(otherDeps), FAST)).toBe(0);

      for (const n of ["102", "103", "104", "105"]) {
        await createExtension(deps, TENANT, input(n));
        await updateExtension(deps, TENANT, n, { displayName: `Renamed ${n}` });
      }
      let sent = 0;
      const drain = async (d: ServiceDeps) => {
        for (let i = 0; i < 400; i++) {
          const n = await deliverDue(feed(d), FAST);
          sent += n;
          if ((await listDeliveries(d, { state: "pending" })).length === 0) return;
          if (n === 0) await new Promise((r) => setTimeout(r, 5));
        }
      };
      await Promise.all([drain(deps), drain(otherDeps)]);
      const ids = receiver.got.map((g) => JSON.parse(g.body).id as number);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toHaveLength(9);
      expect(sent).toBe(8);
      for (const n of ["102", "103", "104", "105"]) {
        expect(receiver.got.map((g) => JSON.parse(g.body)).filter((b) => b.extension === n).map((b) => b.type)).toEqual(["extension.created", "extension.changed"]);
      }
      expect((await listDeliveries(deps, {})).every((d) => d.state === "delivered" && d.attempts === 1)).toBe(true);
    } finally {
      await other.close();
    }
  });

  it("gives a PBX the credentials of a tenant's extensions, and FreeSWITCH the directory entry of an enabled one", async () => {
    const a = await createExtension(deps, TENANT, input("102", "Bo"));
    await createExtension(deps, TENANT, input("101", "Al <&>"));
    const creds = await tenantCredentials(deps, TENANT);
    expect(creds.map((c) => [c.number, c.domain, c.enabled, c.phones, c.voicemailNumber])).toEqual([
      ["101", TENANT, true, 0, "9901"],
      ["102", TENANT, true, 0, "9901"],
    ]);
    const bo = await extensionCredential(deps, TENANT, "102");
    expect(bo).toEqual(creds[1]);
    expect(bo.password).toBe(deps.secrets.open(a.sipPasswordEnc));
    await expect(extensionCredential(deps, TENANT, "999")).rejects.toMatchObject({ status: 404, message: `no extension 999 in tenant ${TENANT}` });
    await expect(tenantCredentials(deps, "nope.example")).rejects.toMatchObject({ status: 404, message: "no tenant named nope.example" });

    const lookup = (user: string, mayRead: (t: string) => boolean = () => true) => answerDirectory(deps, `section=directory&domain=${TENANT.toUpperCase()}&user=${user}`, mayRead);
    const doc = await lookup("101");
    expect(doc).toContain(`<param name="a1-hash" value="${creds[0]!.ha1}"/>`);
    expect(doc).toContain(`value="Al &lt;&amp;&gt;"`);
    expect(await lookup("101", (t) => t !== TENANT)).toBe(NOT_FOUND_DOCUMENT);
    expect(await lookup("999")).toBe(NOT_FOUND_DOCUMENT);
    await expect(answerDirectory(deps, "user=101", () => true)).rejects.toMatchObject({ status: 400 });
    await deleteExtension(deps, TENANT, "101");
    expect(await lookup("101")).toBe(NOT_FOUND_DOCUMENT);
  });
});
