import { putAllowedEndpoints, putVoicemail } from "../../src/services/extension-settings/sections.ts";
import { describe, expect, it } from "vitest";
import { demoCliRunner } from "../helpers/cli-run.ts";

const { run, withRuntime } = demoCliRunner();

describe("CLI JSON output", () => {
  it("prints no PIN, password or ciphertext in any --json output", async () => {
    await withRuntime(async (rt) => {
      await putVoicemail(rt, "demo.example", "101", { unansweredCalls: "voicemail", pin: "424242", welcomeMessage: null, emailNotification: false, email: null });
      await putAllowedEndpoints(rt, "demo.example", "101", {
        softphone: { allowed: false, client: null },
        mobileApp: false,
        thirdPartySoftphone: { allowed: true, sipUsername: "ana-soft", sipPassword: "Sekret-Soft-99" },
        ipPhone: { allowed: true, devices: null },
      });
    });
    const fu = JSON.parse((await run(["force-unregister", "demo.example", "103", "--disable"])).stdout);
    // One at a time: each command opens the database (and writes at start-up).
    const outputs = [];
    for (const args of [
      ["extension", "show", "demo.example", "101", "--json"],
      ["audit", "--json", "--limit", "1000"],
      ["registrations", "--mac", "805ec0000101"],
      ["force-unregister-status", String(fu.id)],
      ["tenant", "show", "demo.example", "--json"],
      ["tenant", "list", "--json"],
      ["device", "show", "805ec0000101", "--json"],
      ["device", "keys", "805ec0000101", "--json"],
      ["device", "lines", "805ec0000101", "--json"],
      ["import-status"],
    ]) {
      outputs.push(await run(args));
    }
    for (const o of outputs) {
      expect(o.code, o.stderr).toBe(0);
      // The audit masks sealed columns as "***"; no value of one may come out.
      expect(o.stdout).not.toMatch(/Enc": "(?!\*\*\*")|v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\./);
      expect(o.stdout).not.toContain("424242");
      expect(o.stdout).not.toContain("Sekret-Soft-99");
      expect(o.stdout).not.toMatch(/"(provisioningPassword|adminPassword|sipPassword|pin)": "(?!\*\*\*)/);
    }
    const show = JSON.parse(outputs[0]!.stdout);
    expect(show.voicemail).not.toHaveProperty("pin");
    expect(show.allowedEndpoints.thirdPartySoftphone).toEqual({ allowed: true, sipUsername: "ana-soft" });
  }, 300_000);
});
