import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DatabaseBusyError } from "../../src/db/busy.ts";
import { registrations } from "../../src/db/schema.ts";
import { DEFAULT_PIN_LIMITS } from "../../src/hot-desk/pin-guard.ts";
import { sweepHotDesks } from "../../src/hot-desk/sweep.ts";
import { deliverDue } from "../../src/pbx/outbox.ts";
import { sipSettingsFrom } from "../../src/registrations/sip-settings.ts";
import { expireRegistrations } from "../../src/registrations/state.ts";
import { createRuntime } from "../../src/runtime.ts";
import { createExtension } from "../../src/services/extensions.ts";
import { ExtensionInput, TenantInput } from "../../src/services/schemas.ts";
import { createTenant } from "../../src/services/tenants.ts";
import { tempConfig } from "../helpers/test-deps.ts";
import { holdWriteLock } from "../helpers/write-lock.ts";

// The server runs the registration expiry every second, the PBX change feed four times a second
// and the hot-desk sweep every 30 s, on the event loop that answers phones. With nothing due they
// must not take the write lock: waiting for another writer's transaction (the fetch-log thread's,
// an import) stalled every request queued behind it, several times a second.

let env: ReturnType<typeof tempConfig>;
let rt: ReturnType<typeof createRuntime>;
beforeAll(() => {
  env = tempConfig({ dbLockTimeoutMs: 300 });
  rt = createRuntime(env.config, pino({ level: "silent" }));
});
afterAll(() => {
  rt.close();
  env.cleanup();
});

describe("periodic passes with nothing due", () => {
  it("return at once while another process holds the write lock; with something due they still meet the lock", async () => {
    const lock = await holdWriteLock(join(env.config.dataDir, "phonehome.db"));
    try {
      expect(await expireRegistrations(rt)).toBe(0);
      expect(sweepHotDesks(rt, sipSettingsFrom(env.config), DEFAULT_PIN_LIMITS).signedOut).toEqual([]);
      expect(await deliverDue(rt)).toBe(0);
    } finally {
      await lock.release();
    }
    // A registration past its expiry: now the pass has to write, and waits for the lock as before.
    const now = rt.clock().getTime();
    const tenant = await createTenant(rt, TenantInput.parse({ sipDomain: "lock.example", sipServerHost: "pbx.lock.example" }));
    const ext = await createExtension(rt, "lock.example", ExtensionInput.parse({ number: "101", displayName: "One" }));
    rt.db
      .insert(registrations)
      .values({ tenantId: tenant.id, extensionId: ext.id, bindingKey: "sip:101@127.0.0.1", state: "registered", since: now - 10_000, expiresAt: now - 1, lastEvent: "registered", lastEventSource: "system", lastEventAt: now - 10_000 })
      .run();
    const again = await holdWriteLock(join(env.config.dataDir, "phonehome.db"));
    try {
      await expect(expireRegistrations(rt)).rejects.toThrow(DatabaseBusyError);
    } finally {
      await again.release();
    }
    expect(await expireRegistrations(rt)).toBe(1);
  });
});
