import { parseMac, type Mac } from "../../domain/mac.ts";
import type { ParsedFile, Recognition } from "../shared/define-vendor.ts";
import type { Support, IdentifyInput } from "../vendor.ts";
import { parseFileName, type GrandstreamFile } from "./files.ts";
import { findModel } from "./models.ts";
import { GRANDSTREAM_OUI_TABLE } from "./ouis.ts";

/** OUIs with their sources: src/vendors/grandstream/ouis.ts (IEEE registry). */
export const GRANDSTREAM_OUIS: readonly string[] = GRANDSTREAM_OUI_TABLE.map((r) => r.oui);

// Captured User-Agents (vendors.md G5, Wazo BaseGrandstreamHTTPDeviceInfoExtractor):
//   Grandstream Model HW GXP2135 SW 1.0.7.97 DevId 000b828aa872
//   Grandstream Model HW GXV3240 V1.6B SW 1.0.1.27 DevId 000b82632815
//   Grandstream Model HW GRP2614 SW 1.0.5.15 DevId c074ad0b63ee
// Wazo's regex, with the DevId narrowed to 12 hex digits (FPBX takes the MAC from it).
const MODEL_UA = /^Grandstream Model HW (\w+)(?:\s+V[^ ]+)? SW ([^ ]+) DevId ([0-9A-Fa-f]{12})\b/;
// Legacy firmware, no model table row (vendors.md G5):
//   Grandstream GXP2000 (gxp2000e.bin:1.2.5.3/boot55e.bin:1.1.6.9) DevId 000b822726c8
const LEGACY_UA = /^Grandstream (GXP\d{4}) \([^)]*:([^ :)]+)\) DevId ([0-9A-Fa-f]{12})\b/;
// A real UA is well under this; longer input is cut before any regex sees it.
const MAX_UA_LENGTH = 256;

interface UaInfo {
  readonly model: string | null;
  readonly firmware: string;
  readonly mac: Mac | null;
}

function parseUserAgent(userAgent: unknown): UaInfo | null {
  if (typeof userAgent !== "string") return null;
  const ua = userAgent.slice(0, MAX_UA_LENGTH);
  const m = MODEL_UA.exec(ua) ?? LEGACY_UA.exec(ua);
  if (!m) return null;
  return { model: findModel(m[1]!.toUpperCase())?.id ?? null, firmware: m[2]!, mac: parseMac(m[3]!) };
}

function isGrandstreamMac(mac: Mac | null): boolean {
  return mac !== null && GRANDSTREAM_OUIS.includes(mac.slice(0, 6));
}

function macOf(file: GrandstreamFile | null): Mac | null {
  return file && (file.kind === "device" || file.kind === "legacy-binary") ? file.mac : null;
}

function fileSupport(file: GrandstreamFile): Support {
  if (file.kind === "model") return "complete";
  if (file.kind === "generic") return "probable";
  // `cfg<mac>.xml` is Grandstream's naming alone, but only the OUI makes the MAC one of its phones.
  return isGrandstreamMac(file.mac) ? "complete" : "probable";
}

/** The served file a name is (vendors.md G1); the legacy binary `cfg<mac>` is recognised, never served. */
export function parseGrandstreamFile(name: string): ParsedFile<GrandstreamFile> | null {
  const file = parseFileName(name);
  if (!file || file.kind === "legacy-binary") return null;
  return { kind: file.kind === "device" ? "device" : "common", mac: file.kind === "device" ? file.mac : null, parsed: file };
}

export function recognizeGrandstream(req: IdentifyInput, served: ParsedFile<GrandstreamFile> | null): Recognition | null {
  // A name that is not served may still tell the vendor and the MAC (the legacy binary).
  const file = served?.parsed ?? parseFileName(req.fileName);
  const ua = parseUserAgent(req.userAgent);
  if (!file && !ua) return null;
  let support: Support;
  if (ua?.model) support = "exact";
  else if (file) support = fileSupport(file);
  else support = "probable";
  return {
    support,
    mac: macOf(file) ?? ua?.mac ?? null,
    model: ua?.model ?? (file?.kind === "model" ? file.model.id : null),
    firmware: ua?.firmware ?? null,
  };
}
