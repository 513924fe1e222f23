/**
 * Resolve + render of one Yealink device file, in process (no HTTP, no Digest): a plain phone
 * (own BLF keys) against a phone with a key layout and a BLF-to-group
 * key (the expansion path of src/services/key-expansion.ts).
 *
 *   npm run bench:resolve -- [--iterations 5000]
 */
import { performance } from "node:perf_hooks";
import { previewFile } from "../src/provisioning/preview.ts";
import { setKeys, setLines } from "../src/services/device-layout.ts";
import { createDevice } from "../src/services/devices.ts";
import { createExtension } from "../src/services/extensions.ts";
import { createGroup } from "../src/services/groups.ts";
import { createLayout, setDeviceLayout } from "../src/services/key-layouts.ts";
import { ExtensionInput, KeyInput, KeysInput, TenantInput } from "../src/services/schemas.ts";
import { createTenant } from "../src/services/tenants.ts";
import { createTestDeps } from "../test/helpers/test-deps.ts";

const args = process.argv.slice(2);
const i = args.indexOf("--iterations");
const N = i >= 0 ? Number(args[i + 1]) : 5000;

const deps = createTestDeps();
await createTenant(deps, TenantInput.parse({ sipDomain: "bench.example", sipServerHost: "pbx.bench.example" }));
for (let n = 100; n < 120; n++) await createExtension(deps, "bench.example", ExtensionInput.parse({ number: String(n), displayName: `Ext ${n}` }));
const plain = await createDevice(deps, { mac: "805ec0000001", model: "T54W", tenant: "bench.example", label: null });
await setLines(deps, plain.mac, [{ index: 1, extension: "100" }]);
await setKeys(deps, plain.mac, ["101", "102", "103"].map((v, k) => KeyInput.parse({ index: k + 2, kind: "blf", value: v })));
const composed = await createDevice(deps, { mac: "805ec0000002", model: "T54W", tenant: "bench.example", label: null });
await setLines(deps, composed.mac, [{ index: 1, extension: "100" }]);
await createGroup(deps, "bench.example", { name: "team", members: ["101", "102", "103", "104", "105", "106"] });
await createLayout(deps, "bench.example", { name: "panel", keys: KeysInput.parse([{ index: 1, kind: "line" }, { index: 2, kind: "speed_dial", value: "5551234" }]) });
await setDeviceLayout(deps, composed.mac, "panel");
await setKeys(deps, composed.mac, [KeyInput.parse({ index: 3, kind: "blf_group", value: "team" })]);

async function run(label: string, device: typeof plain): Promise<void> {
  for (let k = 0; k < 200; k++) await previewFile(deps, device, `${device.mac}.cfg`);
  const t0 = performance.now();
  for (let k = 0; k < N; k++) await previewFile(deps, device, `${device.mac}.cfg`);
  const ms = performance.now() - t0;
  console.log(`${label.padEnd(44)} ${(N / (ms / 1000)).toFixed(0).padStart(6)} files/s  ${((ms * 1000) / N).toFixed(0)} µs/file`);
}

console.log(`resolve + render, ${N} iterations each`);
await run("plain (own keys)", plain);
await run("layout + BLF-to-group key (expansion)", composed);
deps.close();
