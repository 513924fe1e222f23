import { describe, expect, it } from "vitest";
import { demoCliRunner } from "../helpers/cli-run.ts";

const { run, withRuntime } = demoCliRunner();

describe("phonehome resync exit code", () => {
  it("exits non-zero when the phone does not confirm a resync", async () => {
    expect((await run(["tenant", "set", "demo.example", "--sip-transport", "tcp"])).code).toBe(0);
    withRuntime((rt) => rt.db.$client.prepare("update devices set last_ip = '127.0.0.1' where mac = '805ec0000101'").run());
    const r = await run(["resync", "805ec0000101"], { PHONEHOME_SIP_TIMER_F_MS: "500", PHONEHOME_SIP_T1_MS: "100" });
    const out = JSON.parse(r.stdout);
    expect(out.outcome).not.toBe("ok");
    expect(r.code).toBe(1);
    expect((await run(["tenant", "set", "demo.example", "--sip-transport", "udp"])).code).toBe(0);
  });
});
