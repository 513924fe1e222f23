import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enableHotDesk, signIn, signOut } from "../../src/hot-desk/desks.ts";
import type { PhoneConfig, VendorId } from "../../src/domain/phone-config.ts";
import { resolvePhoneConfig } from "../../src/provisioning/resolve.ts";
import { setKeys, setLines } from "../../src/services/device-layout.ts";
import { createDevice, getDevice } from "../../src/services/devices.ts";
import { createExtension } from "../../src/services/extensions.ts";
import { createTenant, getTenant } from "../../src/services/tenants.ts";
import { TenantInput } from "../../src/services/schemas.ts";
import { VENDOR_LIST } from "../../src/vendors/registry.ts";
import { expectGolden } from "../helpers/golden.ts";
import { GOLDEN_NOW } from "../helpers/phone-config.ts";
import { builtinTemplates } from "../helpers/templates.ts";
import { createTestDeps, type TestDeps } from "../helpers/test-deps.ts";

/**
 * A hot desk per vendor, free and signed in, resolved from the database as a fetch would (the
 * Sign in / Sign out key is an ordinary feature key, so every adapter renders it with the
 * parameters its golden files already hold). Generated secrets are replaced by fixed ones.
 */
// Poly: a speed-dial (feature) key's number lives in the device's directory file, so both are rendered.
const DESKS: readonly { vendor: VendorId; model: string; mac: string; file: string; also?: string }[] = [
  { vendor: "yealink", model: "T54W", mac: "805ec0000501", file: "805ec0000501.cfg" },
  { vendor: "polycom", model: "VVX411", mac: "0004f2000502", file: "0004f2000502-phonehome.cfg", also: "0004f2000502-directory.xml" },
  { vendor: "grandstream", model: "GXP2140", mac: "000b82000503", file: "cfg000b82000503.xml" },
];

let deps: TestDeps;
beforeAll(async () => {
  deps = createTestDeps({ now: GOLDEN_NOW });
  await createTenant(deps, TenantInput.parse({ name: "desk.example", sipDomain: "desk.example", sipServerHost: "pbx.desk.example", timeZone: "Europe/Berlin" }));
  for (const [number, name] of [["100", "Desk guest"], ["101", "Ana Example"], ["103", "Reception"]]) await createExtension(deps, "desk.example", { number, displayName: name } as never);
  for (const d of DESKS) {
    await createDevice(deps, { mac: d.mac, model: d.model, tenant: "desk.example" } as never);
    await setLines(deps, d.mac, [{ index: 1, extension: "100" }]);
    await setKeys(deps, d.mac, [{ index: 1, kind: "blf", value: "103" } as never]);
    await enableHotDesk(deps, d.mac, {});
  }
});
afterAll(() => deps.close());

function fixedSecrets(c: PhoneConfig): PhoneConfig {
  return {
    ...c,
    device: { ...c.device, adminPassword: "Adm1n-Secret-42" },
    provisioning: { ...c.provisioning, password: "prov-secret-abcdef0123456789" },
    lines: c.lines.map((l) => ({ ...l, password: `pw-${l.extension}-0123456789abcdef` })),
    events: c.events ? { url: c.events.url.replace(/\/events\/(\w+)\/[A-Za-z0-9_-]+/, "/events/$1/EventSecret0123456789ab") } : null,
  };
}

async function rendered(d: (typeof DESKS)[number]): Promise<string> {
  const device = await getDevice(deps, d.mac);
  const config = fixedSecrets(await deps.data.read((q) => resolvePhoneConfig(q, deps, device, getTenant(deps, "desk.example"), "http://prov.desk.example:8080/", GOLDEN_NOW)));
  const vendor = VENDOR_LIST.find((v) => v.id === d.vendor)!;
  const templates = builtinTemplates(d.vendor);
  const main = vendor.render(d.file, config, templates)!.body;
  return d.also ? `${main}\n<!-- ${d.also} -->\n${vendor.render(d.also, config, templates)?.body ?? ""}` : main;
}

describe("hot-desk golden files", () => {
  it.each(DESKS)("$vendor $model: a free desk (guest line, Sign in key dialling 9902), then Ana signed in (her line, Sign out key dialling *46)", async (d) => {
    const free = await rendered(d);
    expect(free).toContain("9902");
    expectGolden(free, `${d.vendor}/${d.model}-hot-desk-free.${d.file.split(".").pop()}`);
    await signIn(deps, d.mac, "101", "test");
    const signedIn = await rendered(d);
    expect(signedIn).toContain("*46");
    expect(signedIn).toContain("Ana Example");
    expect(signedIn).not.toContain("9902");
    expectGolden(signedIn, `${d.vendor}/${d.model}-hot-desk-signed-in.${d.file.split(".").pop()}`);
    await signOut(deps, d.mac, "test");
    expect(await rendered(d)).toBe(free);
  });
});
