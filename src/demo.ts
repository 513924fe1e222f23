import { and, eq } from "drizzle-orm";
import { first } from "./db/data.ts";
import type { Tenant } from "./db/rows.ts";
import { extensions } from "./db/schema.ts";
import type { Mac } from "./domain/mac.ts";
import { deviceFiles } from "./provisioning/preview.ts";
import type { ProvisionDeps } from "./provisioning/provision.ts";
import { setKeys, setLines } from "./services/device-layout.ts";
import { createDevice, deviceCredentials, findDevice } from "./services/devices.ts";
import { createExtension } from "./services/extensions.ts";
import { ExtensionInput, KeyInput, TenantInput } from "./services/schemas.ts";
import { createTenant } from "./services/tenants.ts";

/**
 * The documented demo site (docs/demo.md): tenant demo.example, extensions 101-104 with display
 * names that exercise every encoder, and one phone per vendor family. Loading it twice changes
 * nothing but the layout, which is set again; credentials are kept.
 */
export const DEMO_TENANT = "demo.example";

const EXTENSIONS = [
  { number: "101", displayName: "Zoë Ångström" },
  { number: "102", displayName: "R&D <Lab>" },
  { number: "103", displayName: "Carol \"CC\" Chen" },
  { number: "104", displayName: "Dave O'Brien" },
];

const blf = (index: number, value: string) => ({ index, kind: "blf", value });
const feature = (index: number, value: string) => ({ index, kind: "feature", value });

const DEVICES = [
  {
    mac: "805ec0000101",
    vendor: "yealink",
    model: "T54W",
    label: "Reception",
    lines: ["101"],
    keys: [
      { index: 1, kind: "line" },
      blf(2, "102"),
      blf(3, "103"),
      blf(4, "104"),
      feature(5, "dnd_on"),
      feature(6, "dnd_off"),
      feature(7, "forward_on"),
      feature(8, "forward_off"),
      { index: 9, kind: "park" },
      feature(10, "voicemail"),
    ],
  },
  { mac: "0004f2000102", vendor: "polycom", model: "VVX411", label: "R&D lab", lines: ["102"], keys: [blf(2, "101"), blf(3, "103")] },
  { mac: "c074ad000103", vendor: "grandstream", model: "GRP2614", label: "Sales", lines: ["103"], keys: [{ index: 1, kind: "line" }, blf(2, "101"), blf(3, "102")] },
  { mac: "805ec0000104", vendor: "yealink", model: "T46U", label: "Back office", lines: ["104", "101"], keys: [{ index: 1, kind: "line" }, { index: 2, kind: "line", line: 2 }] },
];

export interface DemoDevice {
  readonly mac: string;
  readonly vendor: string;
  readonly model: string;
  readonly username: string;
  readonly password: string;
  readonly files: readonly string[];
}

async function ensureTenant(deps: ProvisionDeps): Promise<Tenant> {
  const existing = await deps.data.read(async (q) => first(await q.db.select().from(q.t.tenants).where(eq(q.t.tenants.name, DEMO_TENANT)).limit(1)));
  if (existing) return existing;
  return createTenant(
    deps,
    TenantInput.parse({
      sipDomain: DEMO_TENANT,
      sipServerHost: "pbx.demo.example",
      sipServerPort: 5060,
      timeZone: "America/New_York",
      ntpServers: ["0.pool.ntp.org", "1.pool.ntp.org"],
    }),
  );
}

export async function loadDemo(deps: ProvisionDeps): Promise<DemoDevice[]> {
  const tenant = await ensureTenant(deps);
  for (const e of EXTENSIONS) {
    const exists = deps.db
      .select({ id: extensions.id })
      .from(extensions)
      .where(and(eq(extensions.tenantId, tenant.id), eq(extensions.number, e.number)))
      .get();
    if (!exists) await createExtension(deps, DEMO_TENANT, ExtensionInput.parse(e));
  }
  const out: DemoDevice[] = [];
  for (const d of DEVICES) {
    const device =
      (await deps.data.read((q) => findDevice(q, d.mac as Mac))) ??
      (await createDevice(deps, { mac: d.mac, vendor: d.vendor, model: d.model, tenant: DEMO_TENANT, label: d.label }));
    await setLines(deps, d.mac, d.lines.map((extension, i) => ({ index: i + 1, extension })));
    await setKeys(deps, d.mac, d.keys.map((k) => KeyInput.parse(k)));
    const creds = deviceCredentials(deps, device);
    out.push({
      mac: device.mac,
      vendor: device.vendor,
      model: device.model,
      username: creds.username,
      password: creds.password,
      files: deviceFiles(deps, device).map((f) => f.name),
    });
  }
  return out;
}
