import { eq } from "drizzle-orm";
import { writeTransaction } from "../db/client.ts";
import { deviceLines, extensions, registrations, tenants } from "../db/schema.ts";
import { parseMac } from "../domain/mac.ts";
import { recordAudit } from "../services/audit.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { findDevice } from "../services/devices.ts";
import type { SourceLimiter } from "../provisioning/source-limiter.ts";
import { eventSecretMatches } from "./event-secrets.ts";
import { applyRegistrationEvent, type RegistrationEvent } from "./state.ts";
import type { DeviceRow } from "../db/rows.ts";

/** Event names in the phone-facing URL path (what the device files configure). */
const PHONE_EVENTS: Readonly<Record<string, RegistrationEvent>> = {
  registered: "registered",
  unregistered: "unregistered",
  register_failed: "register_failed",
};

export interface PhoneEventInput {
  readonly mac: string;
  readonly secret: string;
  readonly event: string;
  /** The account's SIP user (Yealink/Grandstream `$active_user`), when the phone sent one. */
  readonly account: string | null;
  /** 1-based line (Poly `<LineNumber>`), when the phone sent one. */
  readonly line: number | null;
  readonly sourceIp: string;
  readonly userAgent: string | null;
}

export type PhoneEventResult =
  | { readonly ok: true; readonly extensions: readonly string[] }
  | { readonly ok: false; readonly status: 400 | 403 | 404; readonly reason: string };

type ExtensionRow = typeof extensions.$inferSelect;

/** Extensions this device may report about: its lines, and extensions it was registered for before. */
function candidates(deps: ServiceDeps, device: DeviceRow): { ext: ExtensionRow; line: number | null }[] {
  const onLines = deps.db
    .select({ ext: extensions, line: deviceLines.lineIndex })
    .from(deviceLines)
    .innerJoin(extensions, eq(extensions.id, deviceLines.extensionId))
    .where(eq(deviceLines.deviceId, device.id))
    .all();
  const before = deps.db
    .select({ ext: extensions })
    .from(registrations)
    .innerJoin(extensions, eq(extensions.id, registrations.extensionId))
    .where(eq(registrations.deviceId, device.id))
    .all()
    .filter((r) => !onLines.some((l) => l.ext.id === r.ext.id))
    .map((r) => ({ ext: r.ext, line: null }));
  return [...onLines, ...before];
}

function pick(all: ReturnType<typeof candidates>, input: PhoneEventInput): ExtensionRow[] {
  const account = input.account && !input.account.startsWith("$") ? input.account : null;
  if (account) return all.filter((c) => c.ext.sipUser === account || c.ext.authUser === account || c.ext.number === account).map((c) => c.ext);
  if (input.line !== null) return all.filter((c) => c.line === input.line).map((c) => c.ext);
  return all.filter((c) => c.line !== null).map((c) => c.ext);
}

function refuse(deps: ServiceDeps, input: PhoneEventInput, limiter: SourceLimiter, device: DeviceRow | undefined): PhoneEventResult {
  // Logged, but at most a few rows per source, so a flood cannot fill the audit table.
  if (limiter.take(input.sourceIp)) {
    writeTransaction(deps.db, (tx) =>
      recordAudit(tx, deps.clock().getTime(), {
        actor: `phone:${device?.mac ?? input.mac.slice(0, 17)}`,
        action: "phone_event.refused",
        target: `device:${device?.mac ?? input.mac.slice(0, 17)}`,
        tenantId: device?.tenantId ?? null,
        mac: device?.mac ?? null,
        outcome: "refused",
        detail: `${device ? "wrong secret" : "unknown device"} for event ${input.event.slice(0, 32)} from ${input.sourceIp}`,
      }),
    );
  }
  return { ok: false, status: 403, reason: "refused" };
}

/**
 * A registration event reported by a phone through the URL in its device file. The MAC must be a
 * known device and the secret its secret; an unknown MAC and a wrong secret get the same answer.
 */
export function handlePhoneEvent(deps: ServiceDeps, input: PhoneEventInput, refusalLog: SourceLimiter): PhoneEventResult {
  const mac = parseMac(input.mac);
  const device = mac ? findDevice(deps.db, mac) : undefined;
  if (!device || !eventSecretMatches(deps, device.id, input.secret)) return refuse(deps, input, refusalLog, device);
  const event = PHONE_EVENTS[input.event];
  if (!event) return { ok: false, status: 400, reason: `unknown event "${input.event.slice(0, 32)}" (registered, unregistered, register_failed)` };
  const matched = pick(candidates(deps, device), input);
  if (!matched.length) return { ok: false, status: 404, reason: `no line of ${device.mac} matches account ${input.account ?? input.line ?? "(none)"}` };
  const tenant = deps.db.select({ name: tenants.name }).from(tenants).where(eq(tenants.id, device.tenantId)).get()!;
  const now = deps.clock().getTime();
  writeTransaction(deps.db, (tx) => {
    for (const ext of matched) {
      applyRegistrationEvent(tx, now, {
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

/** Poly posts `<LineRegistrationEvent>` / `<LineUnregistrationEvent>` XML; null when it is neither. */
export function parsePolyEvent(body: string): { event: string; line: number | null } | null {
  if (body.length > 16_384) return null;
  const kind = /<(LineRegistrationEvent|LineUnregistrationEvent)>/.exec(body)?.[1];
  if (!kind) return null;
  const line = /<LineNumber>\s*(\d{1,3})\s*<\/LineNumber>/.exec(body)?.[1];
  return { event: kind === "LineRegistrationEvent" ? "registered" : "unregistered", line: line ? Number(line) : null };
}

