import { isMac, parseMac, type Mac } from "../../domain/mac.ts";
import type { ParsedFile, Recognition } from "../shared/define-vendor.ts";
import { SUPPORT_RANK, type Support, type IdentifyInput } from "../vendor.ts";
import { parseForeignFile, parseServedFile, type ServedFile } from "./files.ts";
import { modelFromUaToken } from "./models.ts";
import { POLYCOM_OUI_TABLE } from "./ouis.ts";

/** OUIs with their sources: src/vendors/polycom/ouis.ts (IEEE registry). */
export const POLYCOM_OUIS: readonly string[] = POLYCOM_OUI_TABLE.map((r) => r.oui);

// Captured User-Agents (vendors.md P5):
//   FileTransport PolycomVVX-VVX_410-UA/5.9.0.9373 Type/Application
//   FileTransport PolycomVVX-VVX_410-UA/5.9.0.9373 Type/Updater
//   FileTransport PolyEdge-Edge_E450-UA/8.0.0.15602 Type/Application
//   FileTransport PolyCCX-CCX_500-UA/9.4.1.0508 (SN:64167f9f4c90) Type/Application
//   FileTransport PolycomSoundPointIP-SPIP_335-UA/3.2.1.0078
// Wazo's regex `^FileTransport Polycom\w+-(\w*?)-UA/([\d.]+)` misses the `PolyEdge` prefix, hence `Poly(?:com)?`.
const UA = /^FileTransport Poly(?:com)?[A-Za-z]+-([A-Za-z0-9]+(?:_[A-Za-z0-9]+)*)-UA\/(\d+(?:\.\d+){1,4})/;
// `(SN:<mac>)` appears when device.prov.tagSerialNo="1" (vendors.md P5).
const SERIAL = /\(SN:([0-9A-Fa-f]{12})\)/;
// A real UA is well under this; longer input is cut before any regex sees it.
const MAX_UA_LENGTH = 512;

interface UaInfo {
  readonly model: string | null;
  readonly firmware: string;
  readonly mac: Mac | null;
}

function parseUserAgent(userAgent: string | undefined): UaInfo | null {
  if (typeof userAgent !== "string") return null;
  const ua = userAgent.slice(0, MAX_UA_LENGTH);
  const m = UA.exec(ua);
  if (!m) return null;
  const serial = SERIAL.exec(ua)?.[1]?.toLowerCase();
  return { model: modelFromUaToken(m[1]!), firmware: m[2]!, mac: serial && isMac(serial) ? (serial as Mac) : null };
}

function fileSupport(name: string, mac: Mac | null): Support {
  // `<mac>.cfg` is also a Yealink name (vendors.md §0): only the OUI makes it ours.
  if (/^[0-9a-f]{12}\.cfg$/.test(name) && name !== "000000000000.cfg") return mac && POLYCOM_OUIS.includes(mac.slice(0, 6)) ? "complete" : "probable";
  return "complete";
}

function best(a: Support | null, b: Support | null): Support {
  if (!a) return b ?? "probable";
  if (!b) return a;
  return SUPPORT_RANK[a] >= SUPPORT_RANK[b] ? a : b;
}

/** The served file a name is (vendors.md P1). */
export function parsePolycomFile(name: string): ParsedFile<ServedFile> | null {
  const served = parseServedFile(name);
  return served ? { kind: served.kind, mac: served.mac, parsed: served } : null;
}

export function recognizePolycom(req: IdentifyInput, file: ParsedFile<ServedFile> | null): Recognition | null {
  const name = req.fileName;
  const served = file?.parsed ?? null;
  const foreign = served ? null : parseForeignFile(name);
  const ua = parseUserAgent(req.userAgent);
  if (!ua && !served && !foreign) return null;
  const fileMac = served?.mac ?? foreign?.mac ?? null;
  const mac = fileMac ?? ua?.mac ?? null;
  const support = ua?.model ? "exact" : best(ua ? "probable" : null, served || foreign ? fileSupport(name, mac) : null);
  return { support, mac: mac ? parseMac(mac) : null, model: ua?.model ?? null, firmware: ua?.firmware ?? null };
}
