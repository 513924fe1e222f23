import { and, asc, eq, isNotNull } from "drizzle-orm";
import { deviceLines, extensions, registrations, tenants } from "../db/schema.ts";
import type { DigestCredentials } from "../sip/digest.ts";
import { parseSipUri, uriHost, type SipTarget } from "../sip/uri.ts";
import type { ServiceDeps } from "../services/deps.ts";
import type { DeviceRow } from "../db/rows.ts";

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

/**
 * Where a device's NOTIFY goes (issue 5 interface): the contact registered for one of its lines
 * from the device's last known address, else its last known address on port 5060. Null when the
 * device has neither (never fetched, never registered). Credentials are the line's SIP
 * credentials as stored now: call this before a change that rotates them.
 */
export function notifyPlan(deps: ServiceDeps, device: DeviceRow): NotifyPlan | null {
  const tenant = deps.db.select().from(tenants).where(eq(tenants.id, device.tenantId)).get()!;
  const lines = deps.db
    .select({ ext: extensions })
    .from(deviceLines)
    .innerJoin(extensions, eq(extensions.id, deviceLines.extensionId))
    .where(eq(deviceLines.deviceId, device.id))
    .orderBy(asc(deviceLines.lineIndex))
    .all()
    .map((r) => r.ext);
  const onLines = new Set(lines.map((l) => l.id));
  const bound = deps.db
    .select({ r: registrations, ext: extensions })
    .from(registrations)
    .innerJoin(extensions, eq(extensions.id, registrations.extensionId))
    .where(and(eq(registrations.deviceId, device.id), eq(registrations.state, "registered"), isNotNull(registrations.contact)))
    .all()
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
