import type { DiscoveredRow as InboxEntry } from "../db/rows.ts";
import { inArray } from "drizzle-orm";
import { z } from "zod";
import { parseMac } from "../domain/mac.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { LINE_SEPARATOR, type DeviceRecord } from "./columns.ts";
import { importDevices, type ImportReport } from "./import.ts";
import type { PlannerOptions } from "./planner.ts";

/**
 * Claiming phones from the discovery inbox: one or many at once, all-or-nothing, with the same
 * checks and the same write path as a CSV import (a claim is an import whose rows must be in the
 * inbox). Model and vendor default to what the phone reported; the claim confirms or corrects them.
 */
const Claim = z.strictObject({
  mac: z.string().max(64),
  tenant: z.string().max(64),
  model: z.string().max(32).optional(),
  vendor: z.string().max(32).optional(),
  lines: z.array(z.string().max(32)).min(1, "give at least one extension").max(64),
  label: z.string().max(256).nullable().optional(),
  /** Same form as the CSV key_layout column (docs/onboarding.md). */
  keyLayout: z.string().max(8192).optional(),
});
export type Claim = z.infer<typeof Claim>;

/** A single claim, or `{ "claims": [...] }` for many. */
export const ClaimsInput = z.union([Claim, z.strictObject({ claims: z.array(Claim).min(1).max(10_000) })]);

export const claimField = (column: string): string => (column === "key_layout" ? "keyLayout" : column);


async function inboxOf(deps: ServiceDeps, claims: readonly Claim[]): Promise<Map<string, InboxEntry>> {
  const macs = claims.map((c) => parseMac(c.mac)).filter((m): m is NonNullable<typeof m> => m !== null);
  if (!macs.length) return new Map();
  const rows = await deps.data.read((q) => q.db.select().from(q.t.discoveredDevices).where(inArray(q.t.discoveredDevices.mac, macs)));
  return new Map(rows.map((d) => [d.mac, d]));
}

function toRecords(claims: readonly Claim[], inbox: Map<string, InboxEntry>): DeviceRecord[] {
  return claims.map((c, i) => {
    const found = inbox.get(parseMac(c.mac) ?? "");
    return {
      row: i + 1,
      mac: c.mac,
      vendor: c.vendor ?? found?.vendor ?? "",
      model: c.model ?? found?.model ?? "",
      tenant: c.tenant,
      lines: c.lines.join(LINE_SEPARATOR),
      label: c.label ?? "",
      keyLayout: c.keyLayout ?? "",
    };
  });
}

export async function claimDevices(deps: ServiceDeps, input: z.infer<typeof ClaimsInput>, actor: string, options: Pick<PlannerOptions, "tenantRefused"> = {}): Promise<ImportReport> {
  const claims = "claims" in input ? input.claims : [input];
  const inbox = await inboxOf(deps, claims);
  return importDevices(deps, toRecords(claims, inbox), {
    dryRun: false,
    actor,
    source: "claim",
    fileName: null,
    ...options,
    // Two claims of one phone at once: both may pass this check; the write re-reads the device
    // (apply.ts), so the second finds it created and is refused with nothing written.
    claimable: (mac, existing) =>
      existing ? `${mac} is already a device; change it with PATCH /devices/${mac}` : inbox.has(mac) ? null : `${mac} is not in the discovery inbox`,
  });
}
