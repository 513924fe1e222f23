import { eq } from "drizzle-orm";
import type { z } from "zod";
import { first, type Query } from "../db/data.ts";
import { invalidInput, notFound } from "../errors.ts";
import type { ServiceDeps } from "./deps.ts";
import type { AvatarInput } from "./extension-settings/schemas.ts";
import { auditChangeIn } from "./actor.ts";
import { extensionAuditTarget, loadExtension } from "./extensions.ts";

/** The user's image ("Drag an image file..."): type from the declared content type AND the file's magic bytes. */
const AVATAR_MAX_BYTES = 256 * 1024;

const MAGIC: Record<string, (b: Buffer) => boolean> = {
  "image/png": (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  "image/jpeg": (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  "image/gif": (b) => /^GIF8[79]a/.test(b.subarray(0, 6).toString("latin1")),
  "image/webp": (b) => b.subarray(0, 4).toString("latin1") === "RIFF" && b.subarray(8, 12).toString("latin1") === "WEBP",
};

// Replaces one row with its audit row (the before is read in the transaction): serializable (the default).
export async function putAvatar(deps: ServiceDeps, tenant: string, number: string, input: z.infer<typeof AvatarInput>): Promise<{ contentType: string; bytes: number }> {
  const data = Buffer.from(input.data, "base64");
  if (data.length === 0) throw invalidInput("data: the image is empty");
  if (data.length > AVATAR_MAX_BYTES) throw invalidInput(`data: the image has ${data.length} bytes; at most ${AVATAR_MAX_BYTES} (256 KiB)`);
  if (!MAGIC[input.contentType]!(data)) throw invalidInput(`data: the file is not a ${input.contentType} image (its first bytes do not match)`);
  return deps.data.write(async (q) => {
    const { extensionAvatars: a } = q.t;
    const ext = await loadExtension(q, tenant, number);
    const values = { extensionId: ext.id, contentType: input.contentType, data: data.toString("base64") };
    const before = avatarSummary(await avatarRow(q, ext.id));
    await q.db.insert(a).values(values).onConflictDoUpdate({ target: a.extensionId, set: values });
    const after = { contentType: input.contentType, bytes: data.length };
    await auditChangeIn(q, deps, { action: "extension.avatar", ...extensionAuditTarget(tenant, ext), before, after });
    return after;
  });
}

async function avatarRow(q: Query, extensionId: number) {
  const { extensionAvatars: a } = q.t;
  return first(await q.db.select().from(a).where(eq(a.extensionId, extensionId)).limit(1));
}

/** Type and size for the audit log (the image itself stays out of it). */
function avatarSummary(row: { contentType: string; data: string } | undefined): { contentType: string; bytes: number } | null {
  return row ? { contentType: row.contentType, bytes: Buffer.from(row.data, "base64").length } : null;
}

export function getAvatar(deps: ServiceDeps, tenant: string, number: string): Promise<{ contentType: string; data: Buffer }> {
  return deps.data.read(async (q) => {
    const row = await avatarRow(q, (await loadExtension(q, tenant, number)).id);
    if (!row) throw notFound(`extension ${number} has no avatar`);
    return { contentType: row.contentType, data: Buffer.from(row.data, "base64") };
  });
}

/** Whether the extension has a picture (the extension page), without reading the image. */
export function hasAvatar(deps: ServiceDeps, extensionId: number): Promise<boolean> {
  return deps.data.read(async (q) => {
    const { extensionAvatars: a } = q.t;
    return first(await q.db.select({ id: a.extensionId }).from(a).where(eq(a.extensionId, extensionId)).limit(1)) !== undefined;
  });
}

// Deletes one row, audited when there was one: serializable (the default).
export function deleteAvatar(deps: ServiceDeps, tenant: string, number: string): Promise<void> {
  return deps.data.write(async (q) => {
    const ext = await loadExtension(q, tenant, number);
    const before = avatarSummary(await avatarRow(q, ext.id));
    await q.db.delete(q.t.extensionAvatars).where(eq(q.t.extensionAvatars.extensionId, ext.id));
    if (before) await auditChangeIn(q, deps, { action: "extension.avatar", ...extensionAuditTarget(tenant, ext), before, after: null });
  });
}
