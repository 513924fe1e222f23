import type { Mac } from "../../domain/mac.ts";
import type { PhoneConfig } from "../../domain/phone-config.ts";
import { encodeDeep, encodeXmlValue } from "../shared/encode.ts";
import type { RenderedFile, TemplateSet, Vendor } from "../vendor.ts";
import { APP_FILE_PATH, buildDeviceContext } from "./context.ts";
import { bootFileList, CONFIG_FILES_MACRO, configFilesFor, parseServedFile } from "./files.ts";
import { identifyPolycom, POLYCOM_OUIS } from "./identify.ts";
import { POLYCOM_MODELS } from "./models.ts";

// FPBX serves Poly XML as text/xml; charset=utf-8 (vendors.md §0).
const CONTENT_TYPE = "text/xml; charset=utf-8";

function xml(templates: TemplateSet, candidates: readonly string[], context: object): RenderedFile {
  return { body: templates.render(candidates, encodeDeep(context, encodeXmlValue)), contentType: CONTENT_TYPE };
}

function renderDeviceFile(mac: Mac, role: "device-master" | "device-config", config: PhoneConfig, templates: TemplateSet) {
  const model = POLYCOM_MODELS[config.device.model];
  // Capacity and template family are model data: an unknown model gets no file.
  if (!model || config.device.mac !== mac) return null;
  if (role === "device-master") {
    // APP_FILE_PATH (vendors.md P1/P3): relative to the boot server, where the pinned image is served.
    return xml(templates, ["master-device"], { appFilePath: config.firmware?.fileName ?? APP_FILE_PATH, configFiles: configFilesFor(mac) });
  }
  return xml(templates, [`device.${model.id}`, `device.${model.family}`, "device"], buildDeviceContext(config, model));
}

export const polycom: Vendor = {
  id: "polycom",
  displayName: "Poly / Polycom",
  ouis: POLYCOM_OUIS,
  models: POLYCOM_MODELS,
  requiredTemplates: ["master-common", "master-device", "common", "device"],
  identify: identifyPolycom,
  bootFiles(mac, model) {
    return Object.hasOwn(POLYCOM_MODELS, model) ? bootFileList(mac) : [];
  },
  render(fileName, config, templates) {
    const file = parseServedFile(fileName);
    if (!file) return null;
    switch (file.role) {
      case "common-master":
        return xml(templates, ["master-common"], { appFilePath: APP_FILE_PATH, configFiles: CONFIG_FILES_MACRO });
      case "common-config":
        return xml(templates, ["common"], {});
      default:
        return config ? renderDeviceFile(file.mac, file.role, config, templates) : null;
    }
  },
};
