import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadTemplateStore, type TemplateStore } from "../../src/provisioning/template-store.ts";
import { BUILTIN_TEMPLATES_DIR } from "../../src/runtime.ts";
import type { TemplateSet, VendorId } from "../../src/vendors/vendor.ts";

/**
 * The one way tests load templates. The built-in templates (`templates/`) of `vendors`, loaded and
 * compiled as at start-up; `overlays` are further folders on top (a site's templates, a test
 * vendor's), searched after the built-in ones as `templatesDir` is.
 */
export function builtinTemplateStore(vendors: readonly VendorId[], overlays: readonly string[] = []): TemplateStore {
  return loadTemplateStore(vendors, [BUILTIN_TEMPLATES_DIR, ...overlays]);
}

/** One vendor's built-in templates. */
export function builtinTemplates(vendor: VendorId): TemplateSet {
  return builtinTemplateStore([vendor]).forVendor(vendor);
}

/** The text of one built-in template, `<vendor>/<name>.hbs` (to copy into a site folder). */
export function builtinTemplateSource(name: string): string {
  return readFileSync(join(BUILTIN_TEMPLATES_DIR, name), "utf8");
}
