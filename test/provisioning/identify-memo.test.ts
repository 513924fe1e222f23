import { describe, expect, it } from "vitest";
import { identifyRequest } from "../../src/provisioning/identify-device.ts";
import type { ProvisioningRequest } from "../../src/domain/provisioning-request.ts";
import type { IdentifyInput, Vendor } from "../../src/vendors/vendor.ts";
import { VENDOR_LIST } from "../../src/vendors/registry.ts";

/** The real vendors, each wrapped to count what it is asked (a fresh list per test: kept answers are per list). */
function counted(throwing = false) {
  const asked: IdentifyInput[] = [];
  const list: Vendor[] = VENDOR_LIST.map((v) => ({
    ...v,
    identify(req: IdentifyInput) {
      asked.push(req);
      if (throwing && v.id === "grandstream") throw new Error("broken vendor");
      return v.identify(req);
    },
  }));
  return { list, asked };
}

const yealink = (remoteAddress: string, userAgent = "Yealink SIP-T54W 96.86.0.100 805ec0000001"): ProvisioningRequest => ({
  transport: "http",
  fileName: "805ec0000001.cfg",
  userAgent,
  remoteAddress,
});

describe("identification kept per request", () => {
  it("answers the same request from the same address once, with the same identification", () => {
    const { list, asked } = counted();
    const first = identifyRequest(yealink("192.0.2.10"), list);
    expect(first).toMatchObject({ vendor: "yealink", model: "T54W", file: { kind: "device", mac: "805ec0000001" } });
    expect(asked).toHaveLength(list.length);
    expect(identifyRequest(yealink("192.0.2.10"), list)).toBe(first);
    expect(asked).toHaveLength(list.length);
  });

  it("never answers one client from what another asked: the address is part of the key", () => {
    const { list, asked } = counted();
    identifyRequest(yealink("192.0.2.10"), list);
    const other = identifyRequest(yealink("198.51.100.7"), list);
    expect(asked).toHaveLength(2 * list.length);
    expect(other).toMatchObject({ vendor: "yealink", model: "T54W" });
  });

  it("asks again for another User-Agent, for a User-Agent too long to keep, and after a vendor threw", () => {
    const { list, asked } = counted();
    identifyRequest(yealink("192.0.2.10"), list);
    const otherModel = identifyRequest(yealink("192.0.2.10", "Yealink SIP-T46U 108.86.0.20 805ec0000001"), list);
    expect(otherModel?.model).toBe("T46U");
    expect(asked).toHaveLength(2 * list.length);
    const long = yealink("192.0.2.10", `Yealink SIP-T54W 96.86.0.100 805ec0000001 ${"x".repeat(400)}`);
    identifyRequest(long, list);
    identifyRequest(long, list);
    expect(asked).toHaveLength(4 * list.length);

    const broken = counted(true);
    const warned: unknown[] = [];
    const logger = { warn: (o: unknown) => void warned.push(o) };
    expect(identifyRequest(yealink("192.0.2.10"), broken.list, logger)?.vendor).toBe("yealink");
    identifyRequest(yealink("192.0.2.10"), broken.list, logger);
    expect(broken.asked).toHaveLength(2 * list.length);
    expect(warned).toHaveLength(2);
  });
});
