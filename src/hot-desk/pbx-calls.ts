import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { writeTransaction, type Db } from "../db/client.ts";
import { deviceLines, devices, extensions, registrations, tenants } from "../db/schema.ts";
import type { DeviceRow, ExtensionRow } from "../db/rows.ts";
import { hasControlCharacters } from "../domain/validation.ts";
import { AppError, conflict, notFound } from "../errors.ts";
import { recordAudit } from "../services/audit.ts";
import { currentActor } from "../services/actor.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { requireMac } from "../services/devices.ts";
import { findDeviceSync } from "../services/devices-sync.ts";
import { parseHostPort, parseSipUri } from "../sip/uri.ts";
import { candidates, deskOf } from "./desk-state.ts";
import { notifying, signInQueued, signOutAt, signOutEverywhere, type DeskChange } from "./desks.ts";
import { expectedPin, pinMatches } from "./person.ts";
import { clearPinFailures, pinVerdict, recordPinFailure, type PinLimits } from "./pin-guard.ts";

/**
 * What the PBX calls when a phone dials 9902, *46 or 9999 (docs/hot-desking.md): the caller is
 * named as the PBX knows it, by the device's MAC or by the address of record it called from
 * (plus the registered contact when the extension is on several phones).
 */

const sipUri = (what: string) =>
  z
    .string()
    .max(512, "must be at most 512 characters")
    .refine((v) => !hasControlCharacters(v) && parseSipUri(v) !== null, `must be a SIP URI, e.g. ${what}`);

const CALLER = {
  mac: z.string("must be the phone's MAC, 12 hex digits").max(32).optional(),
  aor: sipUri("sip:101@demo.example").optional(),
  contact: sipUri("sip:101@192.0.2.10:5060").optional(),
  source: z
    .string()
    .max(64)
    .refine((v) => parseHostPort(v) !== null, "must be host:port, e.g. 192.0.2.10:5060 (Asterisk: ${CHANNEL(pjsip,remote_addr)})")
    .optional(),
};
const needsCaller = (v: { mac?: string; aor?: string }) => v.mac !== undefined || v.aor !== undefined;
const CALLER_MESSAGE = { message: "name the calling phone: mac, or aor (with contact when the extension is on several phones)", path: ["mac"] };

const PbxCallerInput = z.strictObject(CALLER).refine(needsCaller, CALLER_MESSAGE);
const PbxSignInInput = z
  .strictObject({
    ...CALLER,
    extension: z.string("must be the extension number the caller typed").regex(/^\d{2,15}$/, "must be 2-15 digits, the extension number the caller typed"),
    pin: z.string("must be the PIN the caller typed").regex(/^\d{1,16}$/, "must be the digits the caller typed (1-16)"),
  })
  .refine(needsCaller, CALLER_MESSAGE);

type Caller = z.infer<typeof PbxCallerInput>;

const bare = (uri: string) => {
  const u = parseSipUri(uri)!;
  return `${u.user ?? ""}@${u.host.toLowerCase()}:${u.port ?? 5060}`;
};

function extensionOfAor(db: Db, aor: string): ExtensionRow {
  const uri = parseSipUri(aor)!;
  const rows = db
    .select({ ext: extensions, domain: tenants.sipDomain, name: tenants.name })
    .from(extensions)
    .innerJoin(tenants, eq(tenants.id, extensions.tenantId))
    .where(eq(extensions.sipUser, uri.user ?? ""))
    .all()
    // The host is the tenant's SIP domain, or its name (the context of `pbx export asterisk`).
    .filter((r) => r.domain.toLowerCase() === uri.host.toLowerCase() || r.name.toLowerCase() === uri.host.toLowerCase());
  if (rows.length !== 1) throw notFound(`aor: no extension with SIP user ${(uri.user ?? "").slice(0, 64)} in a tenant whose SIP domain is ${uri.host.slice(0, 128)}`);
  return rows[0]!.ext;
}

/** The phone that called: by MAC, else by AOR (and contact when the extension is on several phones). */
function callerDevice(db: Db, caller: Caller): DeviceRow {
  if (caller.mac !== undefined) {
    const mac = requireMac(caller.mac);
    const device = findDeviceSync(db, mac);
    if (!device) throw notFound(`mac: no device ${mac}`);
    return device;
  }
  const ext = extensionOfAor(db, caller.aor!);
  const ids = db.select({ id: deviceLines.deviceId }).from(deviceLines).where(eq(deviceLines.extensionId, ext.id)).all().map((r) => r.id);
  const carrying = ids.length ? db.select().from(devices).where(inArray(devices.id, ids)).all() : [];
  if (carrying.length === 1) return carrying[0]!;
  if (carrying.length === 0) throw notFound(`aor: extension ${ext.number} is on no phone`);
  if (caller.contact === undefined && caller.source === undefined) {
    throw conflict(`aor: extension ${ext.number} is on ${carrying.length} phones; send the contact or the source address it called from, or the MAC`);
  }
  const regs = db.select().from(registrations).where(and(eq(registrations.extensionId, ext.id), inArray(registrations.deviceId, ids))).all();
  const wanted = caller.contact === undefined ? null : bare(caller.contact);
  const reg = regs.find((r) => (wanted !== null && r.contact !== null && parseSipUri(r.contact) !== null && bare(r.contact) === wanted) || (caller.source !== undefined && r.source === caller.source));
  const host = caller.source !== undefined ? parseHostPort(caller.source)!.host : parseSipUri(caller.contact!)!.host;
  const device = carrying.find((d) => d.id === reg?.deviceId) ?? carrying.filter((d) => d.lastIp === host).at(0);
  if (!device) throw notFound(`no phone of extension ${ext.number} registered from ${(caller.contact ?? caller.source!).slice(0, 128)}; send the MAC instead`);
  return device;
}

const tenantNameOf = (db: Db, device: DeviceRow) => db.select({ name: tenants.name }).from(tenants).where(eq(tenants.id, device.tenantId)).get()!.name;

export type PbxOutcome = { ok: true; change: DeskChange; delayMs: number } | { ok: false; error: AppError; delayMs: number };

/**
 * 9902: the PBX collected extension and PIN. Refusals change nothing but the wrong-PIN count
 * (hot_desk_pin_failures) and the audit log. `allowed` says whether the token may act for the tenant.
 */
export function pbxSignIn(deps: ServiceDeps, body: unknown, limits: PinLimits, allowed: (tenant: string) => void): PbxOutcome {
  const input = PbxSignInInput.parse(body);
  const device = callerDevice(deps.db, input);
  const tenant = tenantNameOf(deps.db, device);
  allowed(tenant);
  if (!deskOf(deps.db, device.id)) throw conflict(`device ${device.mac} is not a hot desk; an administrator enables it with phonehome hot-desk enable ${device.mac}`);
  const ext = deps.db.select().from(extensions).where(and(eq(extensions.tenantId, device.tenantId), eq(extensions.number, input.extension))).get();
  if (!ext) throw notFound(`extension: no extension ${input.extension} in tenant ${tenant}`);
  const now = deps.clock().getTime();
  const verdict = pinVerdict(deps.db, now, device.id, ext.id, limits);
  if (verdict.refused) return { ok: false, error: new AppError(429, "too_many_attempts", verdict.refused), delayMs: 0 };
  const expected = expectedPin(deps.db, deps.secrets, ext);
  if (!expected) throw conflict(`extension ${ext.number} has no PIN: set a hot-desk PIN (PATCH /api/v1/tenants/${tenant}/extensions/${ext.number}/hot-desk) or a voicemail PIN`);
  if (!pinMatches(input.pin, expected.pin)) {
    writeTransaction(deps.db, (tx) => {
      recordPinFailure(tx, now, device.id, ext.id);
      recordAudit(tx, now, { actor: currentActor(), action: "hot_desk.pin_refused", target: `device:${device.mac}`, tenantId: device.tenantId, mac: device.mac, extension: ext.number, outcome: "refused", detail: "wrong PIN" });
    });
    return { ok: false, error: new AppError(403, "wrong_pin", `wrong PIN for extension ${ext.number}: nothing changed`), delayMs: verdict.delayMs };
  }
  const change = writeTransaction(deps.db, (tx) => {
    clearPinFailures(tx, ext.id);
    return signInQueued(tx, deps, device, ext, `pbx: 9902 (${expected.source} PIN)`);
  });
  return { ok: true, change, delayMs: verdict.delayMs };
}

/** *46: the phone releases the desk (whoever is signed in there is signed out). */
export function pbxRelease(deps: ServiceDeps, body: unknown, allowed: (tenant: string) => void): DeskChange {
  const device = callerDevice(deps.db, PbxCallerInput.parse(body));
  allowed(tenantNameOf(deps.db, device));
  return writeTransaction(deps.db, (tx) => signOutAt(tx, deps, device, "pbx: *46 release"));
}

/**
 * 9999: hoteling off for the person: they are signed out of every desk. The person is the one
 * signed in at the calling phone, else the caller's own extension (its AOR) when it sits somewhere.
 */
export function pbxDeactivate(deps: ServiceDeps, body: unknown, allowed: (tenant: string) => void): DeskChange {
  const input = PbxCallerInput.parse(body);
  const device = callerDevice(deps.db, input);
  allowed(tenantNameOf(deps.db, device));
  const desk = deskOf(deps.db, device.id);
  const personId = desk?.baseProfile != null && desk.extensionId !== null ? desk.extensionId : input.aor !== undefined ? extensionOfAor(deps.db, input.aor).id : null;
  return writeTransaction(deps.db, (tx) =>
    notifying(tx, deps, candidates(tx, device.id, personId), "hot_desk.sign_out", () => {
      const change = personId === null ? null : signOutEverywhere(tx, deps, personId, "pbx: 9999 deactivate");
      if (!change?.changed.length) throw conflict(`nobody is signed in at ${device.mac}${input.aor ? ` and ${input.aor.slice(0, 128)} sits at no hot desk` : ""}: nothing to deactivate`);
      return change;
    }),
  );
}
