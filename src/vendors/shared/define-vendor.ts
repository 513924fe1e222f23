import type { Mac } from "../../domain/mac.ts";
import type { PhoneConfig } from "../../domain/phone-config.ts";
import type { FileKind, IdentifiedFile, Identification, IdentifyInput, RenderedFile, TemplateSet, Vendor } from "../vendor.ts";

/** A served file as a vendor's own parser reads its name. */
export interface ParsedFile<F> {
  readonly kind: FileKind;
  readonly mac: Mac | null;
  readonly parsed: F;
}

/** What a request tells a vendor besides its file: how sure, MAC, model, firmware. */
export type Recognition = Omit<Identification, "vendor" | "file">;

/** What a vendor folder supplies; `defineVendor` builds the `Vendor` around it. */
export interface VendorSpec<F> extends Omit<Vendor, "identify" | "render" | "renderFile"> {
  /** The served file `name` is, or null; strict (exact shapes, lowercase MACs). May throw: contained. */
  parseFile(name: string): ParsedFile<F> | null;
  /**
   * Everything else the request tells: support, MAC, model, firmware. `file` is `parseFile`'s
   * answer for the request's name (null when not served). Null when nothing is this vendor's.
   * May throw on malformed input: the scaffolding turns that into "not ours".
   */
  recognize(req: IdentifyInput, file: ParsedFile<F> | null): Recognition | null;
  /** Renders a common file: no tenant or device data. */
  renderCommon(file: F, templates: TemplateSet): RenderedFile | null;
  /** Renders a device file; `config` is always this vendor's device with the file's MAC. */
  renderDevice(file: F, config: PhoneConfig, templates: TemplateSet): RenderedFile | null;
}

/**
 * The identify and render scaffolding every vendor shares: never throw from identify, parse the
 * name once (the parsed file travels in the identification to `renderFile`), and render a device
 * file only for that vendor's own device with the file's MAC (the vendor guard).
 */
export function defineVendor<F>(spec: VendorSpec<F>): Vendor {
  const { parseFile, recognize, renderCommon, renderDevice, ...meta } = spec;
  const toIdentified = (file: ParsedFile<F>): IdentifiedFile => ({ kind: file.kind, mac: file.mac, parsed: file.parsed });
  const renderFile = (file: IdentifiedFile, config: PhoneConfig | null, templates: TemplateSet): RenderedFile | null => {
    // Safe by construction: only this vendor's identify or parseFile made `parsed`.
    const parsed = file.parsed as F;
    if (file.kind === "common") return renderCommon(parsed, templates);
    if (!config || config.device.vendor !== spec.id || config.device.mac !== file.mac) return null;
    return renderDevice(parsed, config, templates);
  };
  return {
    ...meta,
    identify(req) {
      try {
        const name = typeof req.fileName === "string" ? req.fileName : "";
        const file = parseFile(name);
        const found = recognize({ ...req, fileName: name }, file);
        return found ? { vendor: spec.id, ...found, file: file ? toIdentified(file) : null } : null;
      } catch {
        // Identification must never throw (Vendor contract): a malformed request is simply not ours.
        return null;
      }
    },
    renderFile,
    render(fileName, config, templates) {
      const file = typeof fileName === "string" ? parseFile(fileName) : null;
      return file ? renderFile(toIdentified(file), config, templates) : null;
    },
  };
}
