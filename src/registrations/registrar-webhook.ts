import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { first, type Query } from "../db/data.ts";
import { hasControlCharacters } from "../domain/validation.ts";
import { conflict, invalidInput, notFound } from "../errors.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { parseHostPort, parseSipUri } from "../sip/uri.ts";
import { applyRegistrationEventIn } from "./state.ts";
import type { RegistrationRow } from "../db/rows.ts";

const printable = (max: number) =>
  z.string().max(max, `must be at most ${max} characters`).refine((v) => !hasControlCharacters(v), "must not contain control characters");

/** Body of `POST /api/v1/registrations/events` (docs/pbx.md). */
export const RegistrarEventInput = z.strictObject({
  aor: printable(256).refine((v) => parseSipUri(v)?.user, "must be a SIP URI with a user part, e.g. sip:101@demo.example"),
  contact: printable(512)
    .refine((v) => parseSipUri(v) !== null, "must be a SIP URI, e.g. sip:101@192.0.2.10:5060")
    .nullable()
    .default(null),
  source: printable(64)
    .refine((v) => parseHostPort(v) !== null, "must be host:port, e.g. 192.0.2.10:5060")
    .nullable()
    .default(null),
  userAgent: printable(256).nullable().default(null),
  expires: z.number().int().min(0).max(604_800).nullable().default(null),
  event: z.enum(["registered", "refreshed", "unregistered", "expired"]),
});
export type RegistrarEventInput = z.infer<typeof RegistrarEventInput>;

/** The extension an address of record names: SIP user @ a tenant's SIP domain. */
async function extensionForAor(q: Query, aor: string) {
  const { extensions, tenants } = q.t;
  const uri = parseSipUri(aor)!;
  const rows = (
    await q.db
      .select({ ext: extensions, tenant: tenants })
      .from(extensions)
      .innerJoin(tenants, eq(tenants.id, extensions.tenantId))
      .where(eq(extensions.sipUser, uri.user!))
  ).filter((r) => r.tenant.sipDomain.toLowerCase() === uri.host.toLowerCase());
  if (rows.length === 0) throw notFound(`aor: no extension with SIP user ${uri.user} in a tenant whose SIP domain is ${uri.host}`);
  if (rows.length > 1) throw conflict(`aor: ${uri.user}@${uri.host} matches extensions in ${rows.length} tenants`);
  return rows[0]!;
}

/** The device carrying the extension whose last provisioning fetch came from the source address. */
async function deviceAt(q: Query, extensionId: number, sourceHost: string | null) {
  if (!sourceHost) return null;
  const { deviceLines, devices } = q.t;
  const carrying = await q.db.select({ id: deviceLines.deviceId }).from(deviceLines).where(eq(deviceLines.extensionId, extensionId));
  if (!carrying.length) return null;
  const ids = carrying.map((c) => c.id);
  return first(await q.db.select().from(devices).where(and(inArray(devices.id, ids), eq(devices.lastIp, sourceHost))).limit(1)) ?? null;
}

/**
 * Applies one registrar event; throws AppError (and changes nothing) when the body names no extension.
 * Serializable (the default): reads the binding it upserts, so two events of one binding at once
 * cannot both insert it.
 */
export async function handleRegistrarEvent(deps: ServiceDeps, body: unknown, reporter: string): Promise<RegistrationRow> {
  const input = RegistrarEventInput.parse(body);
  if ((input.event === "registered" || input.event === "refreshed") && !input.contact) {
    throw invalidInput("contact: a registered or refreshed event needs the contact URI");
  }
  const now = deps.clock().getTime();
  return deps.data.write(async (q) => {
    const { ext, tenant } = await extensionForAor(q, input.aor);
    const source = input.source ? parseHostPort(input.source)! : null;
    const device = await deviceAt(q, ext.id, source?.host ?? null);
    return applyRegistrationEventIn(q, now, {
      tenantId: tenant.id,
      extensionId: ext.id,
      extensionLabel: `${tenant.name}/${ext.number}`,
      deviceId: device?.id ?? null,
      mac: device?.mac ?? null,
      event: input.event,
      contact: input.contact,
      source: input.source,
      userAgent: input.userAgent,
      expires: input.event === "registered" || input.event === "refreshed" ? input.expires : null,
      reporter,
    });
  });
}
