import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDemo } from "../../src/demo.ts";
import { startAdminClient, type AdminClient } from "../helpers/admin-client.ts";
import { cliRunner } from "../helpers/cli-run.ts";
import { tempConfig } from "../helpers/test-deps.ts";

let c: AdminClient;

beforeAll(async () => {
  c = await startAdminClient({}, { prepare: async (rt) => void (await loadDemo(rt)) });
});
afterAll(async () => c.close());

describe("force-unregister after enable, and cancel", () => {
  const base = "/tenants/demo.example/extensions/104";

  it("cancels the pending disable when the extension is enabled, so a new force-unregister is taken", async () => {
    const first = await c.call("POST", `${base}/force-unregister`, { mode: "disable" });
    expect(first.status).toBe(202);
    expect((await c.call("POST", `${base}/enable`)).status).toBe(204);
    expect((await c.call("GET", `/force-unregisters/${first.json.id}`)).json).toMatchObject({ state: "cancelled", finishedAt: expect.any(String) });
    const second = await c.call("POST", `${base}/force-unregister`, { mode: "disable" });
    expect(second.status, second.text).toBe(202);
    const cancel = await c.call("POST", `/force-unregisters/${second.json.id}/cancel`);
    expect(cancel.status).toBe(200);
    expect(cancel.json.state).toBe("cancelled");
    expect((await c.call("POST", `/force-unregisters/${second.json.id}/cancel`)).status).toBe(409);
    expect((await c.call("POST", `/force-unregisters/${second.json.id}/cancel`, undefined, "technician")).status).toBe(403);
    const audit = (await c.call("GET", "/audit?extension=demo.example/104&type=admin")).json.events.map((e: { action: string }) => e.action);
    expect(audit).toEqual(expect.arrayContaining(["extension.force_unregister", "extension.enable"]));
    const cancelled = (await c.call("GET", "/audit?actor=token:admin&since=1h")).json.events.filter((e: { action: string }) => e.action === "force_unregister.cancelled");
    expect(cancelled).toHaveLength(2);
    await c.call("POST", `${base}/enable`);
  });
});

describe("phonehome force-unregister-cancel and enable", () => {
  const env = tempConfig();
  const { run } = cliRunner(env.config);
  beforeAll(async () => {
    await run(["demo"]);
  }, 60_000);
  afterAll(() => env.cleanup());

  it("cancels a pending force-unregister when the extension is enabled again, so a new one can start", async () => {
    const first = await run(["force-unregister", "demo.example", "102", "--disable"]);
    const request = JSON.parse(first.stdout);
    expect(request.state).toBe("pending");
    const enabled = await run(["enable", "demo.example", "102"]);
    expect(enabled.code, enabled.stderr).toBe(0);
    const status = JSON.parse((await run(["force-unregister-status", String(request.id)])).stdout);
    expect(status.state).toBe("cancelled");
    const again = await run(["force-unregister", "demo.example", "102"]);
    expect(again.code, again.stderr).toBe(0);
    const second = JSON.parse(again.stdout);
    expect(second.state).toBe("pending");
    const cancel = await run(["force-unregister-cancel", String(second.id)]);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(JSON.parse(cancel.stdout)).toMatchObject({ id: second.id, state: "cancelled" });
    const twice = await run(["force-unregister-cancel", String(second.id)]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/is cancelled, not pending/);
  });
});
