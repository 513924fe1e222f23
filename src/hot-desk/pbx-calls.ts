import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { first, type Query } from "../db/data.ts";
import type { DeviceRow, ExtensionRow } from "../db/rows.ts";
import { hasControlCharacters } from "../domain/validation.ts";
import { AppError, conflict, notFound } from "../errors.ts";
import { insertAudit } from "../services/audit.ts";
import { currentActor } from "../services/actor.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { findDevice, requireMac } from "../services/devices.ts";
import { parseHostPort, parseSipUri } from "../sip/uri.ts";
import { candidates, deskOf } from "./desk-state.ts";
import { notifyingIn, signInQueuedIn, signOutAtIn, signOutEverywhereIn, type DeskChange } from "./desks.ts";
import { expectedPin, pinMatches } from "./person.ts";
import { clearPinFailuresIn, pinVerdict, recordPinFailureIn, type PinLimits } from "./pin-guard.ts";

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

async function extensionOfAor(q: Query, aor: string): Promise<ExtensionRow> {
  const { extensions, tenants } = q.t;
  const uri = parseSipUri(aor)!;
  const rows = (
    await q.db
      .select({ ext: extensions, domain: tenants.sipDomain, name: tenants.name })
      .from(extensions)
      .innerJoin(tenants, eq(tenants.id, extensions.tenantId))
      .where(eq(extensions.sipUser, uri.user ?? ""))
  )
    // The host is the tenant's SIP domain, or its name (the context of `pbx export asterisk`).
    .filter((r) => r.domain.toLowerCase() === uri.host.toLowerCase() || r.name.toLowerCase() === uri.host.toLowerCase());
  if (rows.length !== 1) throw notFound(`aor: no extension with SIP user ${(uri.user ?? "").slice(0, 64)} in a tenant whose SIP domain is ${uri.host.slice(0, 128)}`);
  return rows[0]!.ext;
}

/** The phone that called: by MAC, else by AOR (and contact when the extension is on several phones). */
async function callerDevice(q: Query, caller: Caller): Promise<DeviceRow> {
  const { deviceLines, devices, registrations } = q.t;
  if (caller.mac !== undefined) {
    const mac = requireMac(caller.mac);
    const device = await findDevice(q, mac);
    if (!device) throw notFound(`mac: no device ${mac}`);
    return device;
  }
  const ext = await extensionOfAor(q, caller.aor!);
  const ids = (await q.db.select({ id: deviceLines.deviceId }).from(deviceLines).where(eq(deviceLines.extensionId, ext.id))).map((r) => r.id);
  const carrying = ids.length ? await q.db.select().from(devices).where(inArray(devices.id, ids)) : [];
  if (carrying.length === 1) return carrying[0]!;
  if (carrying.length === 0) throw notFound(`aor: extension ${ext.number} is on no phone`);
  if (caller.contact === undefined && caller.source === undefined) {
    throw conflict(`aor: extension ${ext.number} is on ${carrying.length} phones; send the contact or the source address it called from, or the MAC`);
  }
  const regs = await q.db.select().from(registrations).where(and(eq(registrations.extensionId, ext.id), inArray(registrations.deviceId, ids)));
  const wanted = caller.contact === undefined ? null : bare(caller.contact);
  const reg = regs.find((r) => (wanted !== null && r.contact !== null && parseSipUri(r.contact) !== null && bare(r.contact) === wanted) || (caller.source !== undefined && r.source === caller.source));
  const host = caller.source !== undefined ? parseHostPort(caller.source)!.host : parseSipUri(caller.contact!)!.host;
  const device = carrying.find((d) => d.id === reg?.deviceId) ?? carrying.filter((d) => d.lastIp === host).at(0);
  if (!device) throw notFound(`no phone of extension ${ext.number} registered from ${(caller.contact ?? caller.source!).slice(0, 128)}; send the MAC instead`);
  return device;
}

const tenantNameOf = async (q: Query, device: DeviceRow) => first(await q.db.select({ name: q.t.tenants.name }).from(q.t.tenants).where(eq(q.t.tenants.id, device.tenantId)).limit(1))!.name;

export type PbxOutcome = { ok: true; change: DeskChange; delayMs: number } | { ok: false; error: AppError; delayMs: number };

/**
 * 9902: the PBX collected extension and PIN. Refusals change nothing but the wrong-PIN count
 * (hot_desk_pin_failures) and the audit log. `allowed` says whether the token may act for the tenant.
 * The caller, the desk, the count and the PIN are read first; then one write: the failure with its
 * audit row, or the sign-in (serializable, the default: it re-checks the desk as the admin's does).
 */
export async function pbxSignIn(deps: ServiceDeps, body: unknown, limits: PinLimits, allowed: (tenant: string) => void): Promise<PbxOutcome> {
  const input = PbxSignInInput.parse(body);
  const now = deps.clock().getTime();
  const read = await deps.data.read(async (q) => {
    const device = await callerDevice(q, input);
    const tenant = await tenantNameOf(q, device);
    allowed(tenant);
    if (!(await deskOf(q, device.id))) throw conflict(`device ${device.mac} is not a hot desk; an administrator enables it with phonehome hot-desk enable ${device.mac}`);
    const e = q.t.extensions;
    const ext = first(await q.db.select().from(e).where(and(eq(e.tenantId, device.tenantId), eq(e.number, input.extension))).limit(1));
    if (!ext) throw notFound(`extension: no extension ${input.extension} in tenant ${tenant}`);
    const verdict = await pinVerdict(q, now, device.id, ext.id, limits);
    if (verdict.refused) return { device, tenant, ext, verdict, expected: null };
    return { device, tenant, ext, verdict, expected: await expectedPin(q, deps.secrets, ext) };
  });
  const { device, tenant, ext, verdict, expected } = read;
  if (verdict.refused) return { ok: false, error: new AppError(429, "too_many_attempts", verdict.refused), delayMs: 0 };
  if (!expected) throw conflict(`extension ${ext.number} has no PIN: set a hot-desk PIN (PATCH /api/v1/tenants/${tenant}/extensions/${ext.number}/hot-desk) or a voicemail PIN`);
  if (!pinMatches(input.pin, expected.pin)) {
    await deps.data.write(async (q) => {
      await recordPinFailureIn(q, now, device.id, ext.id);
      await insertAudit(q, now, { actor: currentActor(), action: "hot_desk.pin_refused", target: `device:${device.mac}`, tenantId: device.tenantId, mac: device.mac, extension: ext.number, outcome: "refused", detail: "wrong PIN" });
    });
    return { ok: false, error: new AppError(403, "wrong_pin", `wrong PIN for extension ${ext.number}: nothing changed`), delayMs: verdict.delayMs };
  }
  const change = await deps.data.write(async (q) => {
    await clearPinFailuresIn(q, ext.id);
    return signInQueuedIn(q, deps, device, ext, `pbx: 9902 (${expected.source} PIN)`);
  });
  return { ok: true, change, delayMs: verdict.delayMs };
}

/** *46: the phone releases the desk (whoever is signed in there is signed out). */
export async function pbxRelease(deps: ServiceDeps, body: unknown, allowed: (tenant: string) => void): Promise<DeskChange> {
  const input = PbxCallerInput.parse(body);
  const device = await deps.data.read(async (q) => {
    const d = await callerDevice(q, input);
    allowed(await tenantNameOf(q, d));
    return d;
  });
  return deps.data.write((q) => signOutAtIn(q, deps, device, "pbx: *46 release"));
}

/**
 * 9999: hoteling off for the person: they are signed out of every desk. The person is the one
 * signed in at the calling phone, else the caller's own extension (its AOR) when it sits somewhere.
 */
export async function pbxDeactivate(deps: ServiceDeps, body: unknown, allowed: (tenant: string) => void): Promise<DeskChange> {
  const input = PbxCallerInput.parse(body);
  const { device, personId } = await deps.data.read(async (q) => {
    const d = await callerDevice(q, input);
    allowed(await tenantNameOf(q, d));
    const desk = await deskOf(q, d.id);
    const person = desk?.baseProfile != null && desk.extensionId !== null ? desk.extensionId : input.aor !== undefined ? (await extensionOfAor(q, input.aor)).id : null;
    return { device: d, personId: person };
  });
  return deps.data.write(async (q) =>
    notifyingIn(q, deps, await candidates(q, device.id, personId), "hot_desk.sign_out", async () => {
      const change = personId === null ? null : await signOutEverywhereIn(q, deps, personId, "pbx: 9999 deactivate");
      if (!change?.changed.length) throw conflict(`nobody is signed in at ${device.mac}${input.aor ? ` and ${input.aor.slice(0, 128)} sits at no hot desk` : ""}: nothing to deactivate`);
      return change;
    }),
  );
}
