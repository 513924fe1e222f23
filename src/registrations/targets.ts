import { and, asc, eq, inArray, isNotNull, isNull, or } from "drizzle-orm";
import { first, type Query } from "../db/data.ts";
import type { DigestCredentials } from "../sip/digest.ts";
import { parseSipUri, uriHost, type SipTarget } from "../sip/uri.ts";
import type { ServiceDeps } from "../services/deps.ts";
import type { DeviceRow, ExtensionRow, RegistrationRow, Tenant } from "../db/rows.ts";

/** Everything needed to NOTIFY one phone, resolved before anything changes. */
export interface NotifyPlan {
  readonly target: SipTarget;
  readonly toUri: string;
  readonly fromDomain: string;
  readonly credentials: DigestCredentials | null;
  /** How the target was chosen, for the audit log. */
  readonly via: "contact" | "last-address";
}

const hostOf = (source: string | null): string | null => {
  if (!source) return null;
  const m = /^\[([^\]]+)\]:\d+$/.exec(source) ?? /^([^:]+):\d+$/.exec(source);
  return m ? m[1]! : source;
};

/** What a plan is made of: the device's tenant, its lines in order, its registered bindings with a contact. */
export interface PlanInputs {
  readonly tenant: Tenant;
  readonly lines: readonly ExtensionRow[];
  readonly bound: readonly { readonly r: RegistrationRow; readonly ext: ExtensionRow }[];
}

/**
 * Where a device's NOTIFY goes (issue 5 interface): the contact registered for one of its lines
 * from the device's last known address (a binding the registrar event tied to the device, or one of
 * its lines' bindings tied to no device), else its last known address on port 5060. Null when the
 * device has neither (never fetched, never registered). Credentials are the line's SIP
 * credentials as stored now: call this before a change that rotates them.
 */
export async function notifyPlanIn(q: Query, deps: Pick<ServiceDeps, "secrets">, device: DeviceRow): Promise<NotifyPlan | null> {
  const tenant = first(await q.db.select().from(q.t.tenants).where(eq(q.t.tenants.id, device.tenantId)).limit(1))!;
  const lines = (
    await q.db
      .select({ ext: q.t.extensions })
      .from(q.t.deviceLines)
      .innerJoin(q.t.extensions, eq(q.t.extensions.id, q.t.deviceLines.extensionId))
      .where(eq(q.t.deviceLines.deviceId, device.id))
      .orderBy(asc(q.t.deviceLines.lineIndex))
  ).map((r) => r.ext);
  // A binding is the phone's when the registrar event named it (its source was the phone's last fetch
  // address), or when it is one of the phone's lines with no phone named: the event came before the
  // phone's fetch was recorded (the fetch log is written in the background). planFrom keeps only
  // those from the phone's last address.
  const lineIds = lines.map((l) => l.id);
  const ofDevice = eq(q.t.registrations.deviceId, device.id);
  const bound = await q.db
    .select({ r: q.t.registrations, ext: q.t.extensions })
    .from(q.t.registrations)
    .innerJoin(q.t.extensions, eq(q.t.extensions.id, q.t.registrations.extensionId))
    .where(
      and(
        lineIds.length ? or(ofDevice, and(isNull(q.t.registrations.deviceId), inArray(q.t.registrations.extensionId, lineIds))) : ofDevice,
        eq(q.t.registrations.state, "registered"),
        isNotNull(q.t.registrations.contact),
      ),
    );
  return planFrom(deps, device, { tenant, lines, bound });
}

/** The plan from what was read (notifyPlanIn). */
function planFrom(deps: Pick<ServiceDeps, "secrets">, device: DeviceRow, { tenant, lines, bound: all }: PlanInputs): NotifyPlan | null {
  const onLines = new Set(lines.map((l) => l.id));
  const bound = all
    .filter(({ r }) => device.lastIp !== null && hostOf(r.source) === device.lastIp && parseSipUri(r.contact!) !== null)
    // A binding of a line the phone has now, the latest first: a line that left the phone (a hot-desk
    // sign-in replaced it) may still show "registered" with a contact the phone no longer uses.
    .sort((a, b) => Number(onLines.has(b.ext.id)) - Number(onLines.has(a.ext.id)) || b.r.lastEventAt - a.r.lastEventAt)
    .at(0);
  const transport = tenant.sipTransport === "tcp" ? "tcp" : "udp";
  const lineExt = bound?.ext ?? lines[0] ?? null;
  const credentials = lineExt ? { username: lineExt.authUser, password: deps.secrets.open(lineExt.sipPasswordEnc) } : null;
  const toUri = `sip:${lineExt?.sipUser ?? "phonehome"}@${tenant.sipDomain}`;
  if (bound) {
    const c = parseSipUri(bound.r.contact!)!;
    const t = c.transport === "tcp" ? "tcp" : c.transport === "udp" ? "udp" : transport;
    return { target: { host: c.host, port: c.port ?? 5060, transport: t, uri: bound.r.contact!.replace(/^.*<|>.*$/g, "") }, toUri, fromDomain: tenant.sipDomain, credentials, via: "contact" };
  }
  if (!device.lastIp) return null;
  const user = lineExt?.sipUser ? `${lineExt.sipUser}@` : "";
  const uri = `sip:${user}${uriHost(device.lastIp)}:5060`;
  return { target: { host: device.lastIp, port: 5060, transport, uri }, toUri, fromDomain: tenant.sipDomain, credentials, via: "last-address" };
}
