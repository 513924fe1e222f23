import type { PhoneConfig } from "../../domain/phone-config.ts";
import { encodeDeep, encodeXmlValue } from "../shared/encode.ts";
import type { RenderedFile, TemplateSet, Vendor } from "../vendor.ts";
import { buildAliasContext } from "./context.ts";
import { bootFilesFor, parseFileName } from "./files.ts";
import { GRANDSTREAM_OUIS, identifyGrandstream } from "./identify.ts";
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

function renderGrandstream(fileName: string, config: PhoneConfig | null, templates: TemplateSet): RenderedFile | null {
  const file = parseFileName(fileName);
  // The legacy binary cfg<mac> is proprietary and encrypted (vendors.md G7): never served.
  if (!file || file.kind === "legacy-binary") return null;
  if (file.kind === "generic") return xml(templates.render(["common"], {}));
  if (file.kind === "model") {
    const m = file.model;
    return xml(templates.render([`common.${m.id}`, `common.${m.family}`], {}));
  }
  // A device file only for that device's own configuration.
  if (!config || config.device.vendor !== "grandstream" || config.device.mac !== file.mac) return null;
  const model = findModel(config.device.model);
  return model ? xml(renderDevice(config, model, templates)) : null;
}

export const grandstream: Vendor = {
  id: "grandstream",
  displayName: "Grandstream",
  ouis: GRANDSTREAM_OUIS,
  models: GRANDSTREAM_MODELS,
  requiredTemplates: ["device.alias", "common.gxp21xx", "common.grp26xx", "common"],
  identify: identifyGrandstream,
  bootFiles: bootFilesFor,
  render: renderGrandstream,
};
