import { eq } from "drizzle-orm";
import { first, type Query } from "../db/data.ts";
import { parseMac } from "../domain/mac.ts";
import { insertAudit } from "../services/audit.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { findDevice } from "../services/devices.ts";
import type { SourceLimiter } from "../provisioning/source-limiter.ts";
import { eventSecretMatchesIn } from "./event-secrets.ts";
import { applyRegistrationEventIn, type RegistrationEvent } from "./state.ts";
import type { DeviceRow, ExtensionRow } from "../db/rows.ts";
import type { EventReport, PhoneEvent, Vendor } from "../vendors/vendor.ts";

export interface PhoneEventInput {
  readonly mac: string;
  readonly secret: string;
  /** The request as it reached the event URL; the device's vendor adapter reads it (Vendor.parseEvent). */
  readonly report: EventReport;
  readonly sourceIp: string;
  readonly userAgent: string | null;
}

type Picked = Pick<PhoneEvent, "account" | "line">;

export type PhoneEventResult =
  | { readonly ok: true; readonly extensions: readonly string[] }
  | { readonly ok: false; readonly status: 400 | 403 | 404; readonly reason: string };


/** Extensions this device may report about: its lines, and extensions it was registered for before. */
async function candidates(q: Query, device: DeviceRow): Promise<Candidate[]> {
  const { deviceLines, extensions, registrations } = q.t;
  const onLines = await q.db
    .select({ ext: extensions, line: deviceLines.lineIndex })
    .from(deviceLines)
    .innerJoin(extensions, eq(extensions.id, deviceLines.extensionId))
    .where(eq(deviceLines.deviceId, device.id));
  const before = (
    await q.db
      .select({ ext: extensions })
      .from(registrations)
      .innerJoin(extensions, eq(extensions.id, registrations.extensionId))
      .where(eq(registrations.deviceId, device.id))
  )
    .filter((r) => !onLines.some((l) => l.ext.id === r.ext.id))
    .map((r) => ({ ext: r.ext, line: null }));
  return [...onLines, ...before];
}

interface Candidate {
  readonly ext: ExtensionRow;
  readonly line: number | null;
}

function pick(all: readonly Candidate[], input: Picked): ExtensionRow[] {
  const account = input.account && !input.account.startsWith("$") ? input.account : null;
  if (account) return all.filter((c) => c.ext.sipUser === account || c.ext.authUser === account || c.ext.number === account).map((c) => c.ext);
  if (input.line !== null) return all.filter((c) => c.line === input.line).map((c) => c.ext);
  return all.filter((c) => c.line !== null).map((c) => c.ext);
}

async function refuse(deps: ServiceDeps, input: PhoneEventInput, limiter: SourceLimiter, device: DeviceRow | undefined): Promise<PhoneEventResult> {
  // Logged, but at most a few rows per source, so a flood cannot fill the audit table.
  if (limiter.take(input.sourceIp)) {
    // Read committed: one insert, nothing read.
    await deps.data.write(
      (q) =>
        insertAudit(q, deps.clock().getTime(), {
          actor: `phone:${device?.mac ?? input.mac.slice(0, 17)}`,
          action: "phone_event.refused",
          target: `device:${device?.mac ?? input.mac.slice(0, 17)}`,
          tenantId: device?.tenantId ?? null,
          mac: device?.mac ?? null,
          outcome: "refused",
          detail: `${device ? "wrong secret" : "unknown device"} for event ${(input.report.path || input.report.method).slice(0, 32)} from ${input.sourceIp}`,
        }),
      { isolation: "read committed" },
    );
  }
  return { ok: false, status: 403, reason: "refused" };
}

function badReport(report: EventReport, vendor: Vendor | undefined): string {
  const what = report.method === "GET" ? `unknown event "${report.path.slice(0, 32)}"` : "not a registration event";
  return `${what}: ${vendor?.displayName ?? "this"} phones report registered, unregistered or register_failed the way their device file configures`;
}

/**
 * A registration event reported by a phone through the URL in its device file. The MAC must be a
 * known device and the secret its secret; an unknown MAC and a wrong secret get the same answer.
 */
export async function handlePhoneEvent(deps: ServiceDeps & { readonly vendors: readonly Vendor[] }, input: PhoneEventInput, refusalLog: SourceLimiter): Promise<PhoneEventResult> {
  const mac = parseMac(input.mac);
  const { device, secretMatches } = mac
    ? await deps.data.read(async (q) => {
        const device = await findDevice(q, mac);
        return { device, secretMatches: device ? await eventSecretMatchesIn(q, deps.secrets, device.id, input.secret) : false };
      })
    : { device: undefined, secretMatches: false };
  if (!device || !secretMatches) return refuse(deps, input, refusalLog, device);
  const vendor = deps.vendors.find((v) => v.id === device.vendor);
  const parsed = vendor?.parseEvent(input.report) ?? null;
  if (!parsed) return { ok: false, status: 400, reason: badReport(input.report, vendor) };
  const event: RegistrationEvent = parsed.event;
  // Read before the write, so that a report naming no line of the phone takes no write lock.
  const { matched, tenant } = await deps.data.read(async (q) => ({
    matched: pick(await candidates(q, device), parsed),
    tenant: first(await q.db.select({ name: q.t.tenants.name }).from(q.t.tenants).where(eq(q.t.tenants.id, device.tenantId)).limit(1))!,
  }));
  if (!matched.length) return { ok: false, status: 404, reason: `no line of ${device.mac} matches account ${parsed.account ?? parsed.line ?? "(none)"}` };
  const now = deps.clock().getTime();
  // Serializable (the default): each binding is read and upserted in the transaction.
  await deps.data.write(async (q) => {
    for (const ext of matched) {
      await applyRegistrationEventIn(q, now, {
        tenantId: device.tenantId,
        extensionId: ext.id,
        extensionLabel: `${tenant.name}/${ext.number}`,
        deviceId: device.id,
        mac: device.mac,
        event,
        contact: null,
        source: input.sourceIp,
        userAgent: input.userAgent,
        expires: null,
        reporter: `phone:${device.mac}`,
      });
    }
  });
  return { ok: true, extensions: matched.map((e) => e.number) };
}
