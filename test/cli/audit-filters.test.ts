import { describe, expect, it } from "vitest";
import { demoCliRunner } from "../helpers/cli-run.ts";

const { run } = demoCliRunner();

describe("phonehome audit filters", () => {
  it("finds an extension's force-unregister and registration events, by number, by tenant/number, and with a tenant filter", async () => {
    const fu = await run(["force-unregister", "demo.example", "103", "--disable"]);
    expect(fu.code, fu.stderr).toBe(0);
    const byNumber = JSON.parse((await run(["audit", "--extension", "103", "--json"])).stdout).events.map((e: { action: string }) => e.action);
    expect(byNumber).toContain("extension.force_unregister");
    const byLabel = await run(["audit", "--extension", "demo.example/103", "--json"]);
    expect(byLabel.code, byLabel.stderr).toBe(0);
    expect(JSON.parse(byLabel.stdout).events.map((e: { action: string }) => e.action)).toContain("extension.force_unregister");
    const tenant = JSON.parse((await run(["audit", "--tenant", "demo.example", "--type", "admin", "--json"])).stdout).events;
    expect(tenant.length).toBeGreaterThan(0);
    expect(new Set(tenant.map((e: { tenantId: number }) => e.tenantId)).size).toBe(1);
    const unknown = await run(["audit", "--tenant", "nope.example"]);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/no tenant named nope.example/);
  });

  it("takes relative times for --since and --until", async () => {
    const recent = await run(["audit", "--since", "1h", "--json"]);
    expect(recent.code, recent.stderr).toBe(0);
    expect(JSON.parse(recent.stdout).events.length).toBeGreaterThan(0);
    for (const since of ["30m", "7d"]) expect((await run(["audit", "--since", since])).code).toBe(0);
    const future = JSON.parse((await run(["audit", "--until", "1h", "--json"])).stdout).events;
    expect(future).toEqual([]);
    const bad = await run(["audit", "--since", "yesterday"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/since: must be an ISO 8601 time .* or a time ago such as 30m, 1h, 7d/);
  });
});
