import { asc, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { first, type Data } from "../../src/db/data.ts";
import type { ProvisionDeps } from "../../src/provisioning/provision.ts";
import { cancelForceUnregister, enableExtension, forceUnregister, presentForceUnregister } from "../../src/registrations/force-unregister.ts";
import { DEFAULT_SIP_SETTINGS } from "../../src/registrations/sip-settings.ts";
import { issueEventSecretIn } from "../../src/registrations/event-secrets.ts";
import { handlePhoneEvent } from "../../src/registrations/phone-events.ts";
import { handleRegistrarEvent } from "../../src/registrations/registrar-webhook.ts";
import { notifyPlanIn } from "../../src/registrations/targets.ts";
import { SourceLimiter } from "../../src/provisioning/source-limiter.ts";
import { expireRegistrations } from "../../src/registrations/state.ts";
import { extensionStatus, listRegistrations } from "../../src/registrations/views.ts";
import { withActor } from "../../src/services/actor.ts";
import type { ServiceDeps } from "../../src/services/deps.ts";
import { createExtension } from "../../src/services/extensions.ts";
import { ExtensionInput, TenantInput } from "../../src/services/schemas.ts";
import { createTenant } from "../../src/services/tenants.ts";
import { convertedDeps, dataDialects } from "../helpers/data-dialects.ts";
import { usePostgres } from "../helpers/postgres.ts";
import { createTestDeps, type TestDeps } from "../helpers/test-deps.ts";
import { expectRefusedByTrigger, refuseAudit } from "../helpers/ddl.ts";

/**
 * Registrations and force-unregister requests on the asynchronous handle
 * (docs/scale-out.md#conversion-order): registrar events, expiry, a request's cancel and the
 * extension's enable, the same tests on SQLite and PostgreSQL. A write refused midway (a trigger on
 * its audit row, its last statement) must leave the tables as they were.
 */
const postgres = usePostgres();
const TENANT = "reg.example";
let now = Date.parse("2026-12-01T10:00:00Z");

/** Every row of the tables these writes touch, for "nothing changed" checks. */
const snapshot = (data: Data) =>
  data.read(async (q) => ({
    registrations: await q.db.select().from(q.t.registrations).orderBy(asc(q.t.registrations.id)),
    requests: await q.db.select().from(q.t.forceUnregisters).orderBy(asc(q.t.forceUnregisters.id)),
    disabled: await q.db.select().from(q.t.disabledExtensions).orderBy(asc(q.t.disabledExtensions.extensionId)),
    audit: await q.db.select().from(q.t.auditLog).orderBy(asc(q.t.auditLog.id)),
    events: await q.db.select().from(q.t.pbxEvents).orderBy(asc(q.t.pbxEvents.id)),
    extensions: await q.db.select().from(q.t.extensions).orderBy(asc(q.t.extensions.id)),
    lines: await q.db.select().from(q.t.deviceLines).orderBy(asc(q.t.deviceLines.deviceId), asc(q.t.deviceLines.lineIndex)),
    phones: await q.db.select().from(q.t.forceUnregisterDevices).orderBy(asc(q.t.forceUnregisterDevices.requestId), asc(q.t.forceUnregisterDevices.deviceId)),
  }));

describe.each(dataDialects(postgres))("registrations on $name", (dialect) => {
  let data: Data;
  let deps: ServiceDeps;
  let cleanup: () => Promise<void>;
  let extensionId: number;
  let tenantId: number;
  let base: TestDeps;
  /** The vendors and templates of the renderer, over this database's handle; `db` throws when used. */
  let provision: ProvisionDeps;

  beforeEach(async () => {
    ({ data, cleanup } = await dialect.open());
    deps = convertedDeps(data, () => new Date(now));
    base = createTestDeps();
    provision = { ...base, ...deps };
    tenantId = (await createTenant(deps, TenantInput.parse({ sipDomain: TENANT, sipServerHost: `pbx.${TENANT}`, registerExpires: 600 }))).id;
    extensionId = (await createExtension(deps, TENANT, ExtensionInput.parse({ number: "501", displayName: "Gi" }))).id;
    const at = now;
    await data.write(async (q) => {
      const [d] = await q.db
        .insert(q.t.devices)
        .values({ mac: "805ec0000501", vendor: "yealink", model: "T54W", tenantId, provUsername: "u", provPasswordEnc: deps.secrets.seal("prov-pw"), adminPasswordEnc: deps.secrets.seal("admin-pw"), lastIp: "192.0.2.10", createdAt: at, updatedAt: at })
        .returning();
      await q.db.insert(q.t.deviceLines).values({ deviceId: d!.id, lineIndex: 1, extensionId });
      // A PBX webhook, so that the change feed records events (it writes none without a receiver).
      await q.db.insert(q.t.pbxWebhooks).values({ name: "pbx", url: "http://127.0.0.1:9/hook", secretEnc: "x", tenants: null, createdAt: at });
    });
  });
  afterEach(async () => {
    base.close();
    await cleanup();
  });

  const event = (e: Record<string, unknown>) =>
    handleRegistrarEvent(deps, { aor: `sip:501@${TENANT}`, contact: "sip:501@192.0.2.10:5062", source: "192.0.2.10:5062", ...e }, "registrar:test");

  it("applies registrar events to the binding of the phone at the source address, with audit rows, and expires them", async () => {
    const row = await event({ event: "registered", expires: 60 });
    expect(row).toMatchObject({ state: "registered", since: now, expiresAt: now + 60_000, lastEvent: "registered", lastEventSource: "registrar:test" });
    const listed = await listRegistrations(deps, { tenant: TENANT, extension: "501" });
    expect(listed).toEqual([expect.objectContaining({ tenant: TENANT, extension: "501", mac: "805ec0000501", state: "registered", contact: "sip:501@192.0.2.10:5062" })]);
    expect(await listRegistrations(deps, { mac: "805ec0000501" })).toEqual(listed);
    expect(await extensionStatus(deps, TENANT, "501")).toMatchObject({ registered: true, registrations: listed });
    await expect(event({ aor: "sip:999@reg.example", event: "registered", expires: 60 })).rejects.toMatchObject({ status: 404 });
    await expect(listRegistrations(deps, { tenant: "nope.example" })).rejects.toMatchObject({ status: 404, message: "no tenant named nope.example" });

    now += 30_000;
    expect(await expireRegistrations(deps)).toBe(0);
    now += 31_000;
    expect(await expireRegistrations(deps)).toBe(1);
    expect((await listRegistrations(deps))[0]).toMatchObject({ state: "expired", lastEvent: "expired", lastEventSource: "system" });
    const audit = (await snapshot(data)).audit.map((a) => [a.actor, a.action]);
    expect(audit.slice(-2)).toEqual([
      ["registrar:test", "registration.registered"],
      ["system", "registration.expired"],
    ]);
  });

  it("NOTIFYs the registered contact when the registrar event came before the phone's fetch was recorded", async () => {
    const setLastIp = (ip: string | null) => data.write((q) => q.db.update(q.t.devices).set({ lastIp: ip }).where(eq(q.t.devices.mac, "805ec0000501")));
    await setLastIp(null);
    expect(await event({ event: "registered", expires: 600 })).toMatchObject({ deviceId: null, state: "registered" });
    // The fetch log now records the phone's fetch from the address it registered from.
    await setLastIp("192.0.2.10");
    const plan = () => data.read(async (q) => notifyPlanIn(q, deps, first(await q.db.select().from(q.t.devices).where(eq(q.t.devices.mac, "805ec0000501")))!));
    expect(await plan()).toMatchObject({ via: "contact", target: { host: "192.0.2.10", port: 5062, transport: "udp", uri: "sip:501@192.0.2.10:5062" } });
    // From another address it is not this phone's: the last address on 5060 is all there is.
    await setLastIp("192.0.2.11");
    expect(await plan()).toMatchObject({ via: "last-address", target: { host: "192.0.2.11", port: 5060 } });
  });

  it("expires every due registration or none: a refusal at the last audit row leaves them registered", async () => {
    await event({ event: "registered", expires: 60 });
    await event({ contact: "sip:501@192.0.2.11:5062", source: "192.0.2.11:5062", event: "registered", expires: 60 });
    now += 61_000;
    await refuseAudit(data, "registration.expired");
    const before = await snapshot(data);
    expect(before.registrations.map((r) => r.state)).toEqual(["registered", "registered"]);
    await expectRefusedByTrigger(expireRegistrations(deps));
    expect(await snapshot(data)).toEqual(before);
  });

  it("keeps one binding when two events for it arrive at once: one inserts it, the other refreshes it", async () => {
    const results = await Promise.all([event({ event: "registered", expires: 120 }), event({ event: "refreshed", expires: 120 })]);
    expect(results.map((r) => r.id)).toEqual([results[0]!.id, results[0]!.id]);
    const rows = (await snapshot(data)).registrations;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ state: "registered", since: now });
  });

  it("applies a phone's own event with its secret; a wrong secret is refused and audited, an unknown account changes nothing", async () => {
    const secret = await data.write(async (q) => {
      const [d] = await q.db.select().from(q.t.devices).where(eq(q.t.devices.mac, "805ec0000501"));
      await issueEventSecretIn(q, deps.secrets, d!.id, now);
      const [row] = await q.db.select().from(q.t.deviceEventSecrets).where(eq(q.t.deviceEventSecrets.deviceId, d!.id));
      return deps.secrets.open(row!.secretEnc);
    });
    const limiter = new SourceLimiter(10, 3_600_000, () => now);
    const report = (path: string, account: string, presented = secret) =>
      handlePhoneEvent(provision, { mac: "805ec0000501", secret: presented, sourceIp: "192.0.2.10", userAgent: "Yealink SIP-T54W", report: { method: "GET", path, query: { account }, body: null } }, limiter);
    expect(await report("registered", "501")).toEqual({ ok: true, extensions: ["501"] });
    expect((await listRegistrations(deps))[0]).toMatchObject({ mac: "805ec0000501", state: "registered", source: "192.0.2.10", lastEventSource: "phone:805ec0000501" });
    const before = await snapshot(data);
    expect(await report("registered", "777")).toEqual({ ok: false, status: 404, reason: "no line of 805ec0000501 matches account 777" });
    expect(await snapshot(data)).toEqual(before);
    expect(await report("registered", "501", "wrong")).toEqual({ ok: false, status: 403, reason: "refused" });
    const after = await snapshot(data);
    expect(after.registrations).toEqual(before.registrations);
    expect(after.audit.at(-1)).toMatchObject({ action: "phone_event.refused", outcome: "refused", detail: "wrong secret for event registered from 192.0.2.10" });
    expect(await report("unregistered", "501")).toEqual({ ok: true, extensions: ["501"] });
    expect((await listRegistrations(deps))[0]).toMatchObject({ state: "unregistered", lastEvent: "unregistered" });
  });

  /** A pending request of `disable` mode for 501, as force-unregister leaves it. */
  async function pendingDisable(): Promise<number> {
    return data.write(async (q) => {
      const [r] = await q.db
        .insert(q.t.forceUnregisters)
        .values({ tenantId, extensionId, extension: "501", mode: "disable", state: "pending", actor: "test", createdAt: now, deadlineAt: now + 900_000 })
        .returning();
      await q.db.insert(q.t.disabledExtensions).values({ extensionId, disabledAt: now, requestId: r!.id });
      return r!.id;
    });
  }

  it("enables a disabled extension, cancelling its pending request, with the change event and audit rows", async () => {
    const id = await pendingDisable();
    await withActor("cli", () => enableExtension(deps, TENANT, "501", "cli"));
    const s = await snapshot(data);
    expect(s.disabled).toEqual([]);
    expect(s.requests).toEqual([expect.objectContaining({ id, state: "cancelled", finishedAt: now })]);
    expect(s.audit.slice(-2).map((a) => [a.action, a.target, a.detail])).toEqual([
      ["extension.enable", `extension:${TENANT}/501`, null],
      ["force_unregister.cancelled", `force_unregister:${id}`, `extension ${TENANT}/501 enabled again`],
    ]);
    expect(s.events.at(-1)).toMatchObject({ type: "extension.enabled", extensionKey: `${TENANT}/501` });
    await expect(enableExtension(deps, TENANT, "501", "cli")).rejects.toMatchObject({ status: 409, message: `extension ${TENANT}/501 is not disabled` });
    expect(await snapshot(data)).toEqual(s);
  });

  it("enables all or nothing: a refusal at the cancel's audit row leaves the extension disabled and the request pending", async () => {
    await pendingDisable();
    await refuseAudit(data, "force_unregister.cancelled");
    const before = await snapshot(data);
    await expectRefusedByTrigger(enableExtension(deps, TENANT, "501", "cli"));
    expect(await snapshot(data)).toEqual(before);
  });

  it("cancels a pending request once: of two cancels at once exactly one succeeds, the other is refused", async () => {
    const id = await pendingDisable();
    const results = await Promise.allSettled([cancelForceUnregister(deps, id, "a"), cancelForceUnregister(deps, id, "b")]);
    const ok = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(ok).toHaveLength(1);
    expect(ok[0]!.value).toMatchObject({ id, state: "cancelled", finishedAt: new Date(now).toISOString(), devices: [] });
    expect(refused.map((r) => r.reason as unknown)).toEqual([expect.objectContaining({ status: 409, message: `force-unregister request ${id} is cancelled, not pending; there is nothing to cancel` })]);
    const audit = await data.read((q) => q.db.select().from(q.t.auditLog).where(eq(q.t.auditLog.action, "force_unregister.cancelled")));
    expect(audit).toHaveLength(1);
    expect(await presentForceUnregister(deps, id)).toEqual(ok[0]!.value);
    await expect(presentForceUnregister(deps, id + 1)).rejects.toMatchObject({ status: 404 });
  });

  // The phone has no known address: its NOTIFY is skipped, so nothing is sent from the test.
  const unregister = async (mode: "remove" | "disable") => {
    await data.write(async (q) => {
      await q.db.update(q.t.devices).set({ lastIp: null });
    });
    return forceUnregister(provision, DEFAULT_SIP_SETTINGS, TENANT, "501", { mode }, "test");
  };

  it("force-unregisters: new SIP password, off the phone, a pending request waiting for its changed file, change events and audit", async () => {
    const before = await snapshot(data);
    const { request, done } = await unregister("remove");
    expect(await done).toEqual([]);
    expect(request).toMatchObject({ extension: "501", mode: "remove", state: "pending", actor: "test", devices: [{ mac: "805ec0000501", state: "pending", notify: "skipped", notifyDetail: "no known address" }] });
    const s = await snapshot(data);
    expect(s.extensions[0]!.sipPasswordEnc).not.toBe(before.extensions[0]!.sipPasswordEnc);
    expect(s.lines).toEqual([]);
    expect(s.phones).toEqual([expect.objectContaining({ requestId: request.id, files: [expect.objectContaining({ name: "805ec0000501.cfg" })], notifyPlanEnc: null })]);
    expect(s.events.slice(before.events.length).map((e) => e.type)).toEqual(["extension.credentials_rotated"]);
    expect(s.audit.at(-1)).toMatchObject({ action: "extension.force_unregister", after: expect.objectContaining({ request: request.id, mode: "remove", devices: ["805ec0000501"] }) });
    expect(await presentForceUnregister(deps, request.id)).toEqual(request);
  });

  it("force-unregisters all or nothing: a refusal at its audit row leaves password, lines and requests as they were", async () => {
    await refuseAudit(data, "extension.force_unregister");
    await data.write(async (q) => {
      await q.db.update(q.t.devices).set({ lastIp: null });
    });
    const before = await snapshot(data);
    await expectRefusedByTrigger(forceUnregister(provision, DEFAULT_SIP_SETTINGS, TENANT, "501", { mode: "disable" }, "test"));
    expect(await snapshot(data)).toEqual(before);
  });

  it("makes one of two force-unregisters of one extension at once; the other finds it pending", async () => {
    await data.write(async (q) => {
      await q.db.update(q.t.devices).set({ lastIp: null });
    });
    const once = (mode: "remove" | "disable") => forceUnregister(provision, DEFAULT_SIP_SETTINGS, TENANT, "501", { mode }, "test");
    const results = await Promise.allSettled([once("remove"), once("disable")]);
    const ok = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(ok).toHaveLength(1);
    expect(refused.map((r) => r.reason as unknown)).toEqual([expect.objectContaining({ status: 409, message: expect.stringMatching(/is already pending/) })]);
    expect((await snapshot(data)).requests).toHaveLength(1);
  });
});
