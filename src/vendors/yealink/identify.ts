import { ouiOf, parseMac, type Mac } from "../../domain/mac.ts";
import type { ParsedFile, Recognition } from "../shared/define-vendor.ts";
import type { FileKind, Support, IdentifyInput } from "../vendor.ts";
import { classifyFile, type YealinkFile } from "./files.ts";
import { findModel, modelsWithCommonFile } from "./models.ts";
import { YEALINK_OUI_TABLE } from "./ouis.ts";

/** OUIs with their sources: src/vendors/yealink/ouis.ts (IEEE registry plus later sightings). */
export const YEALINK_OUIS: readonly string[] = YEALINK_OUI_TABLE.map((r) => r.oui);

// A real User-Agent is well under 100 characters; anything far longer is not a phone's.
const MAX_USER_AGENT = 256;

/*
 * User-Agent forms (vendors.md Y5, Wazo BaseYealinkHTTPDeviceInfoExtractor):
 *   "Yealink SIP-T46S 66.86.0.15 80:5e:c0:aa:bb:cc"   model, firmware, MAC with colons
 *   "Yealink SIP-T56A 58.80.0.25 001565f429a4"         T5x: MAC without colons (FPBX note)
 *   "Yealink SIP VP-T49G 51.80.0.10 00:15:65:9b:5a:44" video phone prefix
 *   "Yealink CP860 37.72.0.5 00:15:65:8a:37:86"        no "SIP-" prefix
 *   "Yealink-T46G 28.71.0.81 28.1.0.128.0.0.0"         hyphen, no MAC (third token is not one)
 */
const USER_AGENT = /^yealink(?:[ -]sip)?[ -](?:vp-)?([a-z0-9_]{2,16}) ([0-9]+(?:\.[0-9]+){1,5})(?: ([0-9a-f:.-]{12,24}))?$/i;

interface UserAgentInfo {
  readonly uaModel: string;
  readonly firmware: string;
  readonly mac: Mac | null;
}

function parseUserAgent(userAgent: string | undefined): UserAgentInfo | null {
  if (typeof userAgent !== "string" || userAgent.length > MAX_USER_AGENT) return null;
  const m = USER_AGENT.exec(userAgent.trim());
  if (!m) return null;
  return { uaModel: m[1]!.toUpperCase(), firmware: m[2]!, mac: m[3] ? parseMac(m[3]) : null };
}

function fileKind(file: YealinkFile): FileKind {
  return file.kind === "mac-boot" || file.kind === "device" ? "device" : "common";
}

function fileMac(file: YealinkFile | null): Mac | null {
  return file && (file.kind === "mac-boot" || file.kind === "device") ? file.mac : null;
}

/** Model named by a model common file, when exactly one table row asks for that file. */
function modelFromFile(file: YealinkFile | null): string | null {
  if (file?.kind !== "model-common") return null;
  const models = modelsWithCommonFile(file.commonFileId);
  return models.length === 1 ? models[0]!.id : null;
}

function isYealinkOui(mac: Mac): boolean {
  return YEALINK_OUIS.includes(ouiOf(mac));
}

/**
 * Without a User-Agent (TFTP), `.boot` and `y0000000000XX.cfg` names are Yealink's own, but
 * `<mac>.cfg` is also Polycom's master-file name: `complete` only for a Yealink OUI, else
 * `probable`. For a phone in the database its record decides the vendor, whatever the OUI
 * (src/provisioning/provision.ts); the OUI only speaks for unknown phones.
 */
function fileOnlySupport(file: YealinkFile, otherAgent: boolean): Support | null {
  if (file.kind !== "device") return "complete";
  if (isYealinkOui(file.mac)) return "complete";
  // A User-Agent that is not Yealink's (a Polycom one) says the phone is someone else's.
  return otherAgent ? null : "probable";
}

/** The served file a name is (vendors.md Y1). */
export function parseYealinkFile(name: string): ParsedFile<YealinkFile> | null {
  const file = classifyFile(name);
  return file ? { kind: fileKind(file), mac: fileMac(file), parsed: file } : null;
}

export function recognizeYealink(req: IdentifyInput, parsed: ParsedFile<YealinkFile> | null): Recognition | null {
  const ua = parseUserAgent(req.userAgent);
  const file = parsed?.parsed ?? null;
  if (!ua && !file) return null;
  const otherAgent = typeof req.userAgent === "string" && req.userAgent.trim() !== "";
  const support: Support | null = ua ? (findModel(ua.uaModel) ? "exact" : "complete") : fileOnlySupport(file!, otherAgent);
  if (!support) return null;
  const model = ua ? (findModel(ua.uaModel)?.id ?? null) : modelFromFile(file);
  return { support, mac: fileMac(file) ?? ua?.mac ?? null, model, firmware: ua?.firmware ?? null };
}
