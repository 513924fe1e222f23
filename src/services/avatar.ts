import { eq } from "drizzle-orm";
import type { z } from "zod";
import { writeTransaction, type Db } from "../db/client.ts";
import { extensionAvatars } from "../db/schema.ts";
import { invalidInput, notFound } from "../errors.ts";
import type { ServiceDeps } from "./deps.ts";
import type { AvatarInput } from "./extension-settings/schemas.ts";
import { auditChange } from "./actor.ts";
import { extensionAuditTarget, getExtension } from "./extensions.ts";

/** The user's image ("Drag an image file..."): type from the declared content type AND the file's magic bytes. */
const AVATAR_MAX_BYTES = 256 * 1024;

const MAGIC: Record<string, (b: Buffer) => boolean> = {
  "image/png": (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  "image/jpeg": (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  "image/gif": (b) => /^GIF8[79]a/.test(b.subarray(0, 6).toString("latin1")),
  "image/webp": (b) => b.subarray(0, 4).toString("latin1") === "RIFF" && b.subarray(8, 12).toString("latin1") === "WEBP",
};

export function putAvatar(deps: ServiceDeps, tenant: string, number: string, input: z.infer<typeof AvatarInput>): { contentType: string; bytes: number } {
  const data = Buffer.from(input.data, "base64");
  if (data.length === 0) throw invalidInput("data: the image is empty");
  if (data.length > AVATAR_MAX_BYTES) throw invalidInput(`data: the image has ${data.length} bytes; at most ${AVATAR_MAX_BYTES} (256 KiB)`);
  if (!MAGIC[input.contentType]!(data)) throw invalidInput(`data: the file is not a ${input.contentType} image (its first bytes do not match)`);
  return writeTransaction(deps.db, (tx) => {
    const ext = getExtension({ ...deps, db: tx }, tenant, number);
    const values = { extensionId: ext.id, contentType: input.contentType, data: data.toString("base64") };
    const before = avatarSummary(tx, ext.id);
    tx.insert(extensionAvatars).values(values).onConflictDoUpdate({ target: extensionAvatars.extensionId, set: values }).run();
    const after = { contentType: input.contentType, bytes: data.length };
    auditChange(tx, deps, { action: "extension.avatar", ...extensionAuditTarget(tenant, ext), before, after });
    return after;
  });
}

/** Type and size for the audit log (the image itself stays out of it). */
function avatarSummary(db: Db, extensionId: number): { contentType: string; bytes: number } | null {
  const row = db.select().from(extensionAvatars).where(eq(extensionAvatars.extensionId, extensionId)).get();
  return row ? { contentType: row.contentType, bytes: Buffer.from(row.data, "base64").length } : null;
}

export function getAvatar(deps: ServiceDeps, tenant: string, number: string): { contentType: string; data: Buffer } {
  const ext = getExtension(deps, tenant, number);
  const row = deps.db.select().from(extensionAvatars).where(eq(extensionAvatars.extensionId, ext.id)).get();
  if (!row) throw notFound(`extension ${number} has no avatar`);
  return { contentType: row.contentType, data: Buffer.from(row.data, "base64") };
}

export function deleteAvatar(deps: ServiceDeps, tenant: string, number: string): void {
  writeTransaction(deps.db, (tx) => {
    const ext = getExtension({ ...deps, db: tx }, tenant, number);
    const before = avatarSummary(tx, ext.id);
    tx.delete(extensionAvatars).where(eq(extensionAvatars.extensionId, ext.id)).run();
    if (before) auditChange(tx, deps, { action: "extension.avatar", ...extensionAuditTarget(tenant, ext), before, after: null });
  });
}
