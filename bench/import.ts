/**
 * Bulk import: writes a CSV of N phones (default 100,000), then runs a dry run, the import, and a
 * re-import of the same file (all unchanged), each in a fresh process so that its peak RSS is its
 * own. Prints rows/s and peak RSS per phase.
 *
 * With `--groups`, a quarter of the phones get a BLF-to-group key instead (a group of 8 extensions,
 * expanded and capacity-checked per phone) and a tenth of the extensions are restricted to no phone
 * but the ones that carry them (allowed-endpoints lookups).
 *
 *   npm run bench:import -- [--rows 100000] [--groups]
 */
import { execFileSync } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { loadConfig } from "../src/config.ts";
import { createRuntime } from "../src/runtime.ts";
import { createExtension } from "../src/services/extensions.ts";
import { AllowedEndpointsInput } from "../src/services/extension-settings/schemas.ts";
import { putAllowedEndpoints } from "../src/services/extension-settings/sections.ts";
import { createGroup } from "../src/services/groups.ts";
import { ExtensionInput, TenantInput } from "../src/services/schemas.ts";
import { createTenant } from "../src/services/tenants.ts";

const args = process.argv.slice(2);
const i = args.indexOf("--rows");
const ROWS = i >= 0 ? Number(args[i + 1]) : 100_000;
const EXTENSIONS = 500;
const GROUPS = args.includes("--groups");
const PHASE = fileURLToPath(new URL("./import-phase.ts", import.meta.url));

const dir = mkdtempSync(join(tmpdir(), "phonehome-bench-import-"));
const file = join(dir, "devices.csv");

async function seed(): Promise<void> {
  const rt = createRuntime(loadConfig({ dataDir: dir, logLevel: "silent" }, {}), pino({ level: "silent" }));
  await createTenant(rt, TenantInput.parse({ sipDomain: "bench.example", sipServerHost: "pbx.bench.example" }));
  for (let n = 0; n < EXTENSIONS; n++) {
    await createExtension(rt, "bench.example", ExtensionInput.parse({ number: String(1000 + n), displayName: `User ${n}` }));
  }
  if (GROUPS) {
    await createGroup(rt, "bench.example", { name: "Team", members: Array.from({ length: 8 }, (_, k) => String(1000 + k)) });
    // Extensions 1400-1449: IP phones allowed, but only listed devices: none yet, so only on lines of no phone in the file.
    for (let n = 400; n < 450; n++) await putAllowedEndpoints(rt, "bench.example", String(1000 + n), AllowedEndpointsInput.parse({ ipPhone: { allowed: true, devices: [] } }));
  }
  rt.close();
}

async function writeCsv(): Promise<void> {
  const out = createWriteStream(file);
  out.write("mac,vendor,model,tenant,lines,label,key_layout\n");
  for (let n = 0; n < ROWS; n++) {
    const mac = `805ec0${n.toString(16).padStart(6, "0")}`;
    // With --groups, lines avoid the restricted extensions 1400-1449 (checked, and allowed).
    const pick = (k: number) => 1000 + (GROUPS && k % EXTENSIONS >= 400 && k % EXTENSIONS < 450 ? k % 400 : k % EXTENSIONS);
    const a = pick(n);
    const b = pick(n + 1);
    const layout = GROUPS && n % 4 === 1 ? "2:blf_group:Team|12:speed_dial:5551234" : n % 2 ? `2:blf:${b}|3:speed_dial:5551234|4:park` : "";
    if (!out.write(`${mac},,T54W,bench.example,${a};${b},Desk ${n},${layout}\n`)) await new Promise<void>((r) => out.once("drain", () => r()));
  }
  await new Promise<void>((r) => out.end(r));
}

function phase(name: string, dryRun: boolean): void {
  const out = execFileSync(process.execPath, ["--import", "tsx", PHASE, dir, file, dryRun ? "dry" : "real"], { encoding: "utf8" });
  const r = JSON.parse(out) as { ms: number; maxRssMb: number; created: number; updated: number; unchanged: number; accepted: boolean };
  if (!r.accepted) throw new Error(`${name}: refused`);
  const rate = Math.round(ROWS / (r.ms / 1000));
  console.log(
    `${name.padEnd(10)} ${String(r.ms).padStart(6)} ms  ${rate.toLocaleString("en-US").padStart(9)} rows/s  peak RSS ${r.maxRssMb} MB  ` +
      `(created ${r.created}, updated ${r.updated}, unchanged ${r.unchanged})`,
  );
}

try {
  await seed();
  await writeCsv();
  const mix = GROUPS ? "; a quarter of the phones with a BLF-to-group key (8 members), 50 extensions restricted to listed phones" : "";
  console.log(`${ROWS.toLocaleString("en-US")} rows, ${(statSync(file).size / 1e6).toFixed(1)} MB CSV, ${EXTENSIONS} extensions${mix}`);
  phase("dry run", true);
  phase("import", false);
  phase("re-import", false);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
