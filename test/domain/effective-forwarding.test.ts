import { describe, expect, it } from "vitest";
import { effectiveForwarding, localDayTime } from "../../src/domain/effective-forwarding.ts";
import { ForwardingInput } from "../../src/services/extension-settings/schemas.ts";

const conditional = { busy: { action: "forward", destination: "200" } };

describe("effective forwarding", () => {
  it("reads the day and time in the tenant's zone, across DST", () => {
    expect(localDayTime(new Date("2026-03-29T00:30:00Z"), "Europe/Berlin")).toEqual({ day: "sun", time: "01:30" });
    expect(localDayTime(new Date("2026-03-29T01:30:00Z"), "Europe/Berlin")).toEqual({ day: "sun", time: "03:30" });
    expect(localDayTime(new Date("2026-06-01T03:00:00Z"), "America/New_York")).toEqual({ day: "sun", time: "23:00" });
  });

  it("an unconditional destination always overrides the conditional forwards", () => {
    const f = ForwardingInput.parse({ unconditional: { mode: "destination", destination: "300" }, conditional, exceptionNumbers: ["112"] });
    const r = effectiveForwarding(f, new Date("2026-06-01T12:00:00Z"), "UTC");
    expect(r).toMatchObject({ unconditional: { destination: "300", rule: null }, conditional: null, exceptionNumbers: ["112"] });
  });

  it("a schedule applies inside its rules only, [from, to) with 24:00 as the end of the day", () => {
    const f = ForwardingInput.parse({
      unconditional: { mode: "schedule", destination: "300", rules: [{ days: ["sat", "sun"], from: "00:00", to: "24:00" }, { days: ["mon"], from: "12:00", to: "13:00" }] },
      conditional,
    });
    const at = (iso: string) => effectiveForwarding(f, new Date(iso), "UTC");
    expect(at("2026-06-06T23:59:00Z").unconditional).toEqual({ destination: "300", rule: 0 });
    expect(at("2026-06-01T12:59:00Z").unconditional).toEqual({ destination: "300", rule: 1 });
    expect(at("2026-06-01T13:00:00Z").unconditional).toBeNull();
    expect(at("2026-06-01T13:00:00Z").conditional?.busy).toEqual({ action: "forward", destination: "200" });
  });

  it("none leaves the conditional forwards in force", () => {
    const r = effectiveForwarding(ForwardingInput.parse({}), new Date("2026-06-01T12:00:00Z"), "UTC");
    expect(r.unconditional).toBeNull();
    expect(r.conditional?.noAnswer).toEqual({ action: "end", destination: null, ringTimeSeconds: null });
  });
});
