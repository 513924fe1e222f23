import { loadTemplateStore, type TemplateStore } from "../../src/provisioning/template-store.ts";
import { BUILTIN_TEMPLATES_DIR } from "../../src/runtime.ts";
import type { TemplateSet, VendorId } from "../../src/vendors/vendor.ts";

/** The built-in templates (`templates/`) of `vendors`, loaded and compiled as at start-up. */
export function builtinTemplateStore(vendors: readonly VendorId[]): TemplateStore {
  return loadTemplateStore(vendors, [BUILTIN_TEMPLATES_DIR]);
}

/** One vendor's built-in templates. */
export function builtinTemplates(vendor: VendorId): TemplateSet {
  return builtinTemplateStore([vendor]).forVendor(vendor);
}
