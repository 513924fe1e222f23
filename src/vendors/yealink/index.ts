import type { PhoneConfig } from "../../domain/phone-config.ts";
import { encodeDeep, encodeLineValue } from "../shared/encode.ts";
import type { RenderedFile, TemplateSet, Vendor } from "../vendor.ts";
import {
  buildCommonBootContext,
  buildDeviceContext,
  buildMacBootContext,
  buildModelCommonContext,
} from "./context.ts";
import { defineVendor } from "../shared/define-vendor.ts";
import { parseActionUrlEvent } from "../shared/events.ts";
import { bootFilesFor, type YealinkFile } from "./files.ts";
import { parseYealinkFile, recognizeYealink, YEALINK_OUIS } from "./identify.ts";
import { findModel, YEALINK_MODELS } from "./models.ts";

/** vendors.md §0: Yealink files are `key = value` text; FPBX serves them as text/plain. */
const CONTENT_TYPE = "text/plain; charset=utf-8";

function print(templates: TemplateSet, candidates: readonly string[], context: object): RenderedFile {
  // Every value goes through the line encoder: no CR/LF can start a new `key = value` line.
  return { body: templates.render(candidates, encodeDeep(context, encodeLineValue)), contentType: CONTENT_TYPE };
}

function renderCommon(file: YealinkFile, templates: TemplateSet): RenderedFile | null {
  if (file.kind === "common-boot") return print(templates, ["common-boot"], buildCommonBootContext());
  if (file.kind === "model-common") {
    return print(templates, [`model-common.${file.commonFileId}`, "model-common"], buildModelCommonContext(file.commonFileId));
  }
  return null;
}

function renderDevice(file: YealinkFile, config: PhoneConfig, templates: TemplateSet): RenderedFile | null {
  const model = findModel(config.device.model);
  if (!model) return null;
  if (file.kind === "mac-boot") return print(templates, ["mac-boot"], buildMacBootContext(config, model));
  if (file.kind !== "device") return null;
  return print(templates, [`device.${model.id}`, `device.${model.family}`, "device"], buildDeviceContext(config, model));
}

export const yealink: Vendor = defineVendor<YealinkFile>({
  id: "yealink",
  displayName: "Yealink",
  ouis: YEALINK_OUIS,
  models: YEALINK_MODELS,
  requiredTemplates: ["device", "model-common", "mac-boot", "common-boot"],
  // `check-sync;reboot=false` resyncs, `reboot=true` reboots, given `sip.notify_reboot_enable = 0`
  // in the device file (vendors.md Y6; FPBX event_notify/index.lua).
  notifyEvents: { resync: "check-sync;reboot=false", reboot: "check-sync;reboot=true" },
  // Not encrypted: the sources do not establish Yealink's format (docs/security.md, Yealink).
  encryptsConfigs: false,
  parseEvent: parseActionUrlEvent,
  bootFiles: bootFilesFor,
  parseFile: parseYealinkFile,
  recognize: recognizeYealink,
  renderCommon,
  renderDevice,
});
