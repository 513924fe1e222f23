import { readDeviceCsv } from "../../src/onboarding/csv-source.ts";
import { exportRows } from "../../src/onboarding/export.ts";
import { importDevices, type ImportReport } from "../../src/onboarding/import.ts";
import { createExtension } from "../../src/services/extensions.ts";
import { ExtensionInput, TenantInput } from "../../src/services/schemas.ts";
import { createTenant } from "../../src/services/tenants.ts";
import type { TestDeps } from "../helpers/test-deps.ts";

export const HEADER = "mac,vendor,model,tenant,lines,label,key_layout";

/** Two tenants: acme.example with 101-105, other.example with 301. */
export async function seedSite(deps: TestDeps): Promise<void> {
  await createTenant(deps, TenantInput.parse({ sipDomain: "acme.example", sipServerHost: "pbx.acme.example" }));
  await createTenant(deps, TenantInput.parse({ sipDomain: "other.example", sipServerHost: "pbx.other.example" }));
  for (const n of ["101", "102", "103", "104", "105"]) await createExtension(deps, "acme.example", ExtensionInput.parse({ number: n, displayName: `User ${n}` }));
  await createExtension(deps, "other.example", ExtensionInput.parse({ number: "301", displayName: "Elsewhere" }));
}

export function csv(...rows: string[]): string {
  return `${[HEADER, ...rows].join("\n")}\n`;
}

export function importText(deps: TestDeps, text: string | Buffer, dryRun = false): Promise<ImportReport> {
  const bytes = typeof text === "string" ? Buffer.from(text, "utf8") : text;
  // Two chunks, split mid-file, so the streaming path (and a split UTF-8 character) is exercised.
  const mid = Math.floor(bytes.length / 2);
  return importDevices(deps, readDeviceCsv([bytes.subarray(0, mid), bytes.subarray(mid)]), {
    dryRun,
    actor: "test",
    source: "csv",
    fileName: "test.csv",
  });
}

export async function exportText(deps: TestDeps, tenant?: string): Promise<string> {
  const rows: string[][] = [];
  for await (const r of await exportRows(deps, tenant)) rows.push(r);
  return [HEADER, ...rows.map((r) => r.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(","))].join("\n");
}
