import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { enableHotDesk, signIn } from "../../src/hot-desk/desks.ts";
import { resumeQueuedNotifies, sendQueuedNotifies } from "../../src/registrations/notify-outbox.ts";
import { handleRegistrarEvent } from "../../src/registrations/registrar-webhook.ts";
import { sipSettingsFrom } from "../../src/registrations/sip-settings.ts";
import { withActor } from "../../src/services/actor.ts";
import { setLines } from "../../src/services/device-layout.ts";
import { createDevice } from "../../src/services/devices.ts";
import { createExtension } from "../../src/services/extensions.ts";
import { TenantInput } from "../../src/services/schemas.ts";
import { createTenant } from "../../src/services/tenants.ts";
import { startSipp, type SippRun } from "../helpers/sipp.ts";
import { createTestDeps, type TestDeps } from "../helpers/test-deps.ts";

/**
 * The NOTIFY of a hot-desk change is written to notify_outbox in the change's transaction: it is
 * there once the change has committed, before anything was sent, and what a process left unsent
 * goes out at the next start (resumeQueuedNotifies); a refused change queues nothing.
 */
const MAC = "805ec0000701";
const SIP = sipSettingsFrom({ sipBindHost: "127.0.0.1", sipAdvertisedHost: undefined, sipT1Ms: 50, sipT2Ms: 400, sipTimerFMs: 3000, notifyRatePerSecond: 10, notifyJitterMs: 0, forceUnregisterTimeoutSeconds: 900, registrationCheckMs: 1000 });
let deps: TestDeps;
let sipp: SippRun;
let guestPassword = "";

const outbox = () => deps.db.$client.prepare("select id, device_id, reason, actor, plan_enc from notify_outbox order by id").all() as { id: number; device_id: number; reason: string; actor: string; plan_enc: string }[];

beforeEach(async () => {
  deps = createTestDeps();
  await createTenant(deps, TenantInput.parse({ name: "ob.example", sipDomain: "ob.example", sipServerHost: "127.0.0.1" }));
  await createExtension(deps, "ob.example", { number: "100", displayName: "Guest" } as never);
  const sealed = deps.db.$client.prepare("select sip_password_enc as p from extensions where number = '100'").get() as { p: string };
  guestPassword = deps.secrets.open(sealed.p);
  await createExtension(deps, "ob.example", { number: "101", displayName: "Ana" } as never);
  await createDevice(deps, { mac: MAC, model: "T54W", tenant: "ob.example" } as never);
  await setLines(deps, MAC, [{ index: 1, extension: "100" }]);
  enableHotDesk(deps, MAC, { key: null });
  // The phone fetched from 127.0.0.1 and registered its guest line where sipp listens.
  sipp = await startSipp("notify-200.xml");
  deps.db.$client.prepare("update devices set last_ip = '127.0.0.1' where mac = ?").run(MAC);
  await handleRegistrarEvent(deps, { aor: "sip:100@ob.example", contact: `sip:100@127.0.0.1:${sipp.port}`, source: `127.0.0.1:${sipp.port}`, expires: 3600, event: "registered" }, "registrar:test");
});
afterEach(() => {
  sipp.stop();
  deps.close();
});

describe("durable hot-desk NOTIFYs", () => {
  it("are in the outbox once the sign-in committed, sealed, and a restart sends them", async () => {
    const change = withActor("admin", () => signIn(deps, MAC, "101", "admin"));
    const rows = outbox();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: change.notify.ids[0], reason: "hot_desk.sign_in", actor: "admin" });
    expect(change.notify).toMatchObject({ notified: [MAC], skipped: [] });
    // The plan holds the credentials the phone has now (the guest line's), sealed like every secret.
    expect(guestPassword.length).toBeGreaterThan(8);
    expect(rows[0]!.plan_enc).not.toContain(guestPassword);
    expect(rows[0]!.plan_enc).not.toContain("127.0.0.1");

    // A refused change rolls its transaction back: nothing more is queued.
    expect(() => withActor("admin", () => signIn(deps, MAC, "199", "admin"))).toThrow(/199/);
    expect(outbox()).toHaveLength(1);

    // The process that committed is gone; the next start sends what it left.
    const { resumed, done } = await resumeQueuedNotifies(deps, SIP);
    expect(resumed).toEqual([MAC]);
    const sent = await done;
    expect(sent.map((s) => [s.mac, s.outcome])).toEqual([[MAC, "ok"]]);
    expect((await sipp.done).code).toBe(0);
    expect(outbox()).toEqual([]);
    const audited = deps.db.$client.prepare("select actor, outcome from audit_log where action = 'notify.sent'").all();
    expect(audited).toEqual([{ actor: "admin", outcome: "ok" }]);
  });

  it("are sent and deleted by the process that made the change, once", async () => {
    const change = withActor("cli", () => signIn(deps, MAC, "101", "cli"));
    const sent = await sendQueuedNotifies(deps, SIP, change.notify.ids);
    expect(sent.map((s) => s.outcome)).toEqual(["ok"]);
    expect(outbox()).toEqual([]);
    // Nothing is left for a later start to send again.
    expect((await resumeQueuedNotifies(deps, SIP)).resumed).toEqual([]);
  });
});
