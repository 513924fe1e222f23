import type { Mac } from "../../domain/mac.ts";
import type { PhoneConfig } from "../../domain/phone-config.ts";
import { encodeDeep, encodeLineValue } from "../shared/encode.ts";
import type { RenderedFile, TemplateSet, Vendor } from "../vendor.ts";
import {
  buildCommonBootContext,
  buildDeviceContext,
  buildMacBootContext,
  buildModelCommonContext,
} from "./context.ts";
import { bootFilesFor, classifyFile } from "./files.ts";
import { identifyYealink, YEALINK_OUIS } from "./identify.ts";
import { findModel, YEALINK_MODELS, type YealinkModel } from "./models.ts";

/** vendors.md §0: Yealink files are `key = value` text; FPBX serves them as text/plain. */
const CONTENT_TYPE = "text/plain; charset=utf-8";

function print(templates: TemplateSet, candidates: readonly string[], context: object): RenderedFile {
  // Every value goes through the line encoder: no CR/LF can start a new `key = value` line.
  return { body: templates.render(candidates, encodeDeep(context, encodeLineValue)), contentType: CONTENT_TYPE };
}

/** The model of a device file's config, when that config is this phone's and a Yealink we know. */
function deviceModel(config: PhoneConfig | null, mac: Mac): YealinkModel | null {
  if (!config || config.device.vendor !== "yealink" || config.device.mac !== mac) return null;
  return findModel(config.device.model);
}

function render(fileName: string, config: PhoneConfig | null, templates: TemplateSet): RenderedFile | null {
  const file = classifyFile(fileName);
  if (!file) return null;
  switch (file.kind) {
    case "common-boot":
      return print(templates, ["common-boot"], buildCommonBootContext());
    case "model-common":
      return print(templates, [`model-common.${file.commonFileId}`, "model-common"], buildModelCommonContext(file.commonFileId));
    case "mac-boot": {
      const model = deviceModel(config, file.mac);
      return model && config ? print(templates, ["mac-boot"], buildMacBootContext(config, model)) : null;
    }
    case "device": {
      const model = deviceModel(config, file.mac);
      if (!model || !config) return null;
      const candidates = [`device.${model.id}`, `device.${model.family}`, "device"];
      return print(templates, candidates, buildDeviceContext(config, model));
    }
  }
}

export const yealink: Vendor = {
  id: "yealink",
  displayName: "Yealink",
  ouis: YEALINK_OUIS,
  models: YEALINK_MODELS,
  requiredTemplates: ["device", "model-common", "mac-boot", "common-boot"],
  identify: identifyYealink,
  bootFiles: bootFilesFor,
  render,
};
