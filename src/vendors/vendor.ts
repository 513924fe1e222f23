import type { Mac } from "../domain/mac.ts";
import type { KeyKind, PhoneConfig, VendorId } from "../domain/phone-config.ts";
import type { ProvisioningRequest } from "../domain/provisioning-request.ts";

export type { VendorId };

/** How sure an identification is; the core keeps the highest score across vendors. */
export type Support = "exact" | "complete" | "probable";
export const SUPPORT_RANK: Readonly<Record<Support, number>> = { exact: 3, complete: 2, probable: 1 };

/**
 * `device`: holds credentials, served only to the authenticated device named by `mac`.
 * `common`: no secrets and no tenant data; served to anyone.
 */
export type FileKind = "device" | "common";

/**
 * A file name as the vendor that serves it parsed it, once: `parsed` is the vendor's own reading
 * of the name, handed back to that vendor's `renderFile` (the pipeline never looks inside it).
 */
export interface IdentifiedFile {
  readonly kind: FileKind;
  /** The MAC a device file belongs to; null for common files. */
  readonly mac: Mac | null;
  readonly parsed: unknown;
}

/** What a vendor's identify looks at: the file name and the User-Agent. */
export type IdentifyInput = Pick<ProvisioningRequest, "fileName" | "userAgent">;

export interface Identification {
  readonly vendor: VendorId;
  readonly support: Support;
  /** The requested file as this vendor understands it; null when the name is not one it serves. */
  readonly file: IdentifiedFile | null;
  /** MAC from the file name, else from the User-Agent. */
  readonly mac: Mac | null;
  /** Model id of this vendor's `models` table, when the request tells it. */
  readonly model: string | null;
  /** Firmware version the phone reports in its User-Agent. */
  readonly firmware: string | null;
}

export interface ModelInfo {
  /** Id used in the API and in template names: `T54W`, `VVX411`, `GRP2614`. */
  readonly id: string;
  /** Template/behaviour family: rows of one family share templates. */
  readonly family: string;
  /** SIP accounts the phone can register. */
  readonly lines: number;
  /** Programmable line keys (DSS keys) on the phone itself, without expansion modules. */
  readonly keys: number;
  /**
   * The leading keys (1..lineKeySlots) that can show a line appearance; absent = all of `keys`.
   * Automatic line keys go only there (src/vendors/shared/line-keys.ts).
   */
  readonly lineKeySlots?: number;
  /**
   * Expansion modules the model takes, only where a source documents them and the vendor adapter
   * renders their keys. Absent: no module is accepted for this model.
   */
  readonly expansion?: ExpansionModuleInfo;
}

export interface ExpansionModuleInfo {
  readonly maxModules: number;
  /** Addressable keys per module (all pages); key indexes after the phone's own keys address them. */
  readonly keysPerModule: number;
}

export interface FileDescriptor {
  readonly name: string;
  readonly kind: FileKind;
}

export interface RenderedFile {
  readonly body: string;
  readonly contentType: string;
}

/** What a SIP NOTIFY asks a phone to do. */
export type PhoneAction = "resync" | "reboot";

/**
 * A registration event a phone reported at its event URL (`PhoneConfig.events.url`, which carries
 * the device's MAC and secret): `GET <url>/<path>?<query>` or `POST <url>` with a body.
 */
export interface EventReport {
  readonly method: "GET" | "POST";
  /** What follows the secret in the path, without the slash; empty for `<url>` itself. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** The request body (POST, at most 16 KiB); null for GET. */
  readonly body: string | null;
}

export interface PhoneEvent {
  readonly event: "registered" | "unregistered" | "register_failed";
  /** The SIP account the phone named, when it names one. */
  readonly account: string | null;
  /** The line index the phone named, when it names one. */
  readonly line: number | null;
}

/** Compiled templates of one vendor; a pure lookup, loaded once at start-up. */
export interface TemplateSet {
  /**
   * Renders the first template that exists among `candidates` (names without `.hbs`, most
   * specific first) with `context`. Throws when none exists.
   */
  render(candidates: readonly string[], context: object): string;
}

/**
 * A phone vendor adapter. Implementations are data plus pure functions: no I/O, no clock, no
 * globals. Every method may be called any number of times, concurrently, for any request.
 */
export interface Vendor {
  readonly id: VendorId;
  readonly displayName: string;
  /** OUIs (first 6 lowercase hex digits of a MAC) this vendor's phones ship with. */
  readonly ouis: readonly string[];
  readonly models: Readonly<Record<string, ModelInfo>>;
  /**
   * Why this vendor writes `key` as an empty key on `model` (`Unassigned`, `None` …), in words for the
   * operator; null when the key renders. The renderer and the admin API's warnings
   * (src/services/unrendered-key-warnings.ts) both ask it. Pure. Absent: every key renders.
   */
  readonly unrenderedKey?: (model: ModelInfo, key: { readonly index: number; readonly kind: KeyKind }) => string | null;
  /** Template names (without `.hbs`) that must exist in `templates/<id>/`; checked at start-up. */
  readonly requiredTemplates: readonly string[];
  /**
   * Looks at a request's file name and User-Agent, and nothing else (so an answer can be kept for
   * the same request: src/provisioning/identify-device.ts). Returns null when nothing in the request
   * is this vendor's. Must not throw on any input, however malformed.
   */
  identify(req: IdentifyInput): Identification | null;
  /** The SIP NOTIFY Event header that makes this vendor's phones resync or reboot. */
  readonly notifyEvents: Readonly<Record<PhoneAction, string>>;
  /**
   * True when the vendor's phones take encrypted config files (src/provisioning/config-encryption.ts):
   * a device of an encrypting tenant then gets a config password and the file carries it.
   */
  readonly encryptsConfigs: boolean;
  /**
   * Reads a registration event in the form this vendor's rendered hooks send it to the event URL;
   * null when the report is not one (the caller answers 400). Pure; must not throw.
   */
  parseEvent(report: EventReport): PhoneEvent | null;
  /** The files a device of `model` asks for at boot, in the order it asks. */
  bootFiles(mac: Mac, model: string): readonly FileDescriptor[];
  /**
   * Renders a file this vendor's `identify` returned, without parsing its name again. For a
   * `device` file `config` is the configuration of the device the pipeline found for it; the
   * vendor renders nothing (null) unless that configuration is one of its devices with the file's
   * MAC. For a `common` file `config` is ignored.
   */
  renderFile(file: IdentifiedFile, config: PhoneConfig | null, templates: TemplateSet): RenderedFile | null;
  /**
   * Renders `fileName` (parsed here; the pipeline uses `renderFile`). For a `device` file `config` is that device's resolved configuration; for a
   * `common` file it is null and the output must not depend on any tenant or device. Returns null
   * when this vendor does not serve `fileName` (for this model). Every value that reaches the
   * output passes through the vendor's value encoder.
   */
  render(fileName: string, config: PhoneConfig | null, templates: TemplateSet): RenderedFile | null;
}
