import type { PhoneConfig } from "../../domain/phone-config.ts";
import { encodeDeep, encodeXmlValue } from "../shared/encode.ts";
import type { RenderedFile, TemplateSet, Vendor } from "../vendor.ts";
import { APP_FILE_PATH, buildDeviceContext, buildDirectoryContext } from "./context.ts";
import { defineVendor } from "../shared/define-vendor.ts";
import { parsePolyEvent } from "./events.ts";
import { bootFileList, CONFIG_FILES_MACRO, configFilesFor, type ServedFile } from "./files.ts";
import { parsePolycomFile, POLYCOM_OUIS, recognizePolycom } from "./identify.ts";
import { polycomUnrenderedKey } from "./keys.ts";
import { POLYCOM_MODELS } from "./models.ts";

// FPBX serves Poly XML as text/xml; charset=utf-8 (vendors.md §0).
const CONTENT_TYPE = "text/xml; charset=utf-8";

function xml(templates: TemplateSet, candidates: readonly string[], context: object): RenderedFile {
  return { body: templates.render(candidates, encodeDeep(context, encodeXmlValue)), contentType: CONTENT_TYPE };
}

function renderDevice(file: ServedFile, config: PhoneConfig, templates: TemplateSet): RenderedFile | null {
  const model = POLYCOM_MODELS[config.device.model];
  // Capacity and template family are model data: an unknown model gets no file.
  if (!model || file.kind !== "device") return null;
  const mac = file.mac;
  if (file.role === "device-master") {
    // APP_FILE_PATH (vendors.md P1/P3): relative to the boot server, where the pinned image is served.
    return xml(templates, ["master-device"], { appFilePath: config.firmware?.fileName ?? APP_FILE_PATH, configFiles: configFilesFor(mac) });
  }
  if (file.role === "device-directory") {
    const directory = buildDirectoryContext(config, model);
    return directory ? xml(templates, ["directory"], directory) : null;
  }
  return xml(templates, [`device.${model.id}`, `device.${model.family}`, "device"], buildDeviceContext(config, model));
}

function renderCommon(file: ServedFile, templates: TemplateSet): RenderedFile | null {
  if (file.role === "common-master") return xml(templates, ["master-common"], { appFilePath: APP_FILE_PATH, configFiles: CONFIG_FILES_MACRO });
  if (file.role === "common-config") return xml(templates, ["common"], {});
  return null;
}

export const polycom: Vendor = defineVendor<ServedFile>({
  id: "polycom",
  displayName: "Poly / Polycom",
  ouis: POLYCOM_OUIS,
  models: POLYCOM_MODELS,
  unrenderedKey: polycomUnrenderedKey,
  requiredTemplates: ["master-common", "master-device", "common", "device", "directory"],
  // `check-sync` for both; whether it reboots is the phone's
  // `voIpProt.SIP.specialEvent.checkSync.alwaysReboot` (we render 0: reboot only when the new files
  // need it). vendors.md P6 (Asterisk pjsip_notify.conf.sample `polycom-check-cfg`, FPBX).
  notifyEvents: { resync: "check-sync", reboot: "check-sync" },
  // Not encrypted (vendors.md P7, docs/security.md).
  encryptsConfigs: false,
  parseEvent: parsePolyEvent,
  bootFiles(mac, model) {
    return Object.hasOwn(POLYCOM_MODELS, model) ? bootFileList(mac) : [];
  },
  parseFile: parsePolycomFile,
  recognize: recognizePolycom,
  renderCommon,
  renderDevice,
});
