import type { PhoneConfig } from "../../domain/phone-config.ts";
import { encodeDeep, encodeXmlValue } from "../shared/encode.ts";
import type { RenderedFile, TemplateSet, Vendor } from "../vendor.ts";
import { buildAliasContext } from "./context.ts";
import { defineVendor } from "../shared/define-vendor.ts";
import { parseActionUrlEvent } from "../shared/events.ts";
import { bootFilesFor, type GrandstreamFile } from "./files.ts";
import { GRANDSTREAM_OUIS, parseGrandstreamFile, recognizeGrandstream } from "./identify.ts";
import { grandstreamUnrenderedKey } from "./keys.ts";
import { findModel, GRANDSTREAM_MODELS, type GrandstreamModel } from "./models.ts";

/** FPBX serves Grandstream XML as `text/xml; charset=utf-8` (vendors.md §0). */
const CONTENT_TYPE = "text/xml; charset=utf-8";

function xml(body: string): RenderedFile {
  return { body, contentType: CONTENT_TYPE };
}

function renderDevice(config: PhoneConfig, model: GrandstreamModel, templates: TemplateSet): string {
  // One alias-form template for both families (GXP21xx firmware 1.0.11.x and GRP26xx).
  return templates.render([`device.${model.id}`, `device.${model.family}`, "device.alias"], encodeDeep(buildAliasContext(config, model), encodeXmlValue));
}

function renderCommon(file: GrandstreamFile, templates: TemplateSet): RenderedFile | null {
  if (file.kind === "generic") return xml(templates.render(["common"], {}));
  if (file.kind !== "model") return null;
  return xml(templates.render([`common.${file.model.id}`, `common.${file.model.family}`], {}));
}

function renderDeviceFile(file: GrandstreamFile, config: PhoneConfig, templates: TemplateSet): RenderedFile | null {
  const model = findModel(config.device.model);
  return file.kind === "device" && model ? xml(renderDevice(config, model, templates)) : null;
}

export const grandstream: Vendor = defineVendor<GrandstreamFile>({
  id: "grandstream",
  displayName: "Grandstream",
  ouis: GRANDSTREAM_OUIS,
  models: GRANDSTREAM_MODELS,
  unrenderedKey: grandstreamUnrenderedKey,
  requiredTemplates: ["device.alias", "common.gxp21xx", "common.grp26xx", "common"],
  // `resync` re-provisions without reboot, `check-sync;reboot=true` reboots (vendors.md G6; FPBX
  // PR 3014, tested on GXP2130/2160).
  notifyEvents: { resync: "resync", reboot: "check-sync;reboot=true" },
  // OpenSSL `enc` format with the device's P1359 (vendors.md G7, src/provisioning/config-encryption.ts).
  encryptsConfigs: true,
  parseEvent: parseActionUrlEvent,
  bootFiles: bootFilesFor,
  // The legacy binary cfg<mac> is proprietary and encrypted (vendors.md G7): never served.
  parseFile: parseGrandstreamFile,
  recognize: recognizeGrandstream,
  renderCommon,
  renderDevice: renderDeviceFile,
});
