import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleRegistrarEvent } from "../../src/registrations/registrar-webhook.ts";
import { expireRegistrations, noExpiryMarginS } from "../../src/registrations/state.ts";
import { listRegistrations } from "../../src/registrations/views.ts";
import { createExtension } from "../../src/services/extensions.ts";
import { createTenant } from "../../src/services/tenants.ts";
import { createTestDeps } from "../helpers/test-deps.ts";

describe("registration state from events", () => {
  const base = createTestDeps();
  let now = Date.parse("2026-06-01T12:00:00Z");
  const deps = { ...base, clock: () => new Date(now) };
  beforeAll(async () => {
    await createTenant(deps, { name: "r.example", sipDomain: "r.example", sipServerHost: "pbx.r.example", registerExpires: 600 } as never);
    await createExtension(deps, "r.example", { number: "501", displayName: "Gi" } as never);
  });
  afterAll(() => base.close());
  const event = (e: Record<string, unknown>) =>
    handleRegistrarEvent(deps, { aor: "sip:501@r.example", contact: "sip:501@127.0.0.1:5091", source: "127.0.0.1:5091", ...e }, "registrar:test");
  const state = async () => (await listRegistrations(deps, { tenant: "r.example" }))[0]!;

  it("stores an expired event as expired, not unregistered", async () => {
    await event({ event: "registered", expires: 120 });
    const row = await event({ event: "expired", expires: 0 });
    expect(row.state).toBe("expired");
    expect(await state()).toMatchObject({ state: "expired", lastEvent: "expired" });
  });

  it("the tracker marks a registration past its expiry as expired", async () => {
    await event({ event: "registered", expires: 60 });
    now += 61_000;
    expect(await expireRegistrations(deps)).toBe(1);
    expect(await state()).toMatchObject({ state: "expired", lastEvent: "expired", lastEventSource: "system" });
  });

  it("a registration reported without expiry ages out after registerExpires plus the margin, unless refreshed", async () => {
    const lifetime = (600 + noExpiryMarginS(600)) * 1000;
    await event({ event: "registered", expires: null });
    expect(Date.parse((await state()).expiresAt!)).toBe(now + lifetime);
    now += lifetime - 1000;
    expect(await expireRegistrations(deps)).toBe(0);
    await event({ event: "refreshed" });
    now += lifetime - 1000;
    expect(await expireRegistrations(deps)).toBe(0);
    expect((await state()).state).toBe("registered");
    now += 2000;
    expect(await expireRegistrations(deps)).toBe(1);
    expect((await state()).state).toBe("expired");
  });
});
