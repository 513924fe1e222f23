import type { Mac } from "../domain/mac.ts";
import { EXTENSION_NUMBER } from "../domain/validation.ts";
import { checkMac, checkModel, checkVendor, firstDuplicate, keyProblem, lineIndexProblem, unknownExtensionReason } from "../services/device-rules.ts";
import { blfKeyRefusalFor, lineRefusalFor } from "../services/endpoint-policy.ts";
import { unknownGroupReason } from "../services/key-inputs.ts";
import { effectiveKeysProblem } from "./key-fit.ts";
import { expansionModulesProblem, keyLimits, type KeyLimits } from "../vendors/key-capacity.ts";
import { DeviceInput, type KeyInput } from "../services/schemas.ts";
import type { ModelInfo, VendorId } from "../vendors/vendor.ts";
import { LINE_SEPARATOR, type Column, type DeviceRecord, type Problem } from "./columns.ts";
import { parseKeyLayout } from "./key-layout-text.ts";
import type { ExistingDevice, Lookups } from "./lookups.ts";
import { sameDevice } from "./compare.ts";

/**
 * The checking pass: every record is checked against the same rules as the admin API and turned
 * into a planned write; nothing is written here. Problems are collected per row and column, so a
 * dry run reports everything at once. The rules of the extension settings are the same functions the
 * admin API applies (allowed endpoints, BLF policy, group expansion), fed from the lookups' caches.
 */
export interface PlannedKey {
  readonly keyIndex: number;
  readonly kind: KeyInput["kind"];
  readonly label: string | null;
  readonly lineIndex: number;
  readonly targetExtensionId: number | null;
  /** blf_group: the group (written to device_group_keys). */
  readonly groupId: number | null;
  readonly value: string | null;
}

export type DeviceAction = "created" | "updated" | "unchanged";

export interface PlannedDevice {
  readonly row: number;
  readonly mac: Mac;
  readonly vendor: VendorId;
  readonly model: string;
  readonly tenantId: number;
  readonly label: string | null;
  /** Extension ids by line index - 1; null = that line stays empty. */
  readonly lines: readonly (number | null)[];
  /** Null = keep the device's keys (empty key_layout). */
  readonly keys: readonly PlannedKey[] | null;
  readonly existing: Pick<ExistingDevice, "id" | "updatedAt"> | null;
  readonly action: DeviceAction;
}

export interface Plan {
  readonly rows: number;
  readonly devices: PlannedDevice[];
  /** The first MAX_PROBLEMS problems, in file order. */
  readonly problems: Problem[];
  readonly problemCount: number;
  readonly counts: Record<DeviceAction, number>;
}

export const MAX_PROBLEMS = 1000;

export interface PlannerOptions {
  /** Claims: a reason when the MAC may not be claimed (not in the inbox, already a device). */
  readonly claimable?: (mac: Mac, existing: ExistingDevice | null) => string | null;
  /** Accounts limited to some tenants (the portal): a reason when rows may not name this tenant. */
  readonly tenantRefused?: (name: string) => string | null;
}

/** `tenantRefused` for an account limited to some tenants (the portal's technicians). */
export const onlyTenants =
  (tenants: readonly string[]) =>
  (name: string): string | null =>
    tenants.includes(name) ? null : `this account may not onboard phones of tenant ${name}`;

type Report = (column: Column | null, reason: string) => void;

export class Planner {
  private readonly devices: PlannedDevice[] = [];
  private readonly problems: Problem[] = [];
  private problemCount = 0;
  private rows = 0;
  private readonly seen = new Map<string, number>();
  private readonly counts: Record<DeviceAction, number> = { created: 0, updated: 0, unchanged: 0 };

  constructor(
    private readonly lookups: Lookups,
    private readonly options: PlannerOptions = {},
  ) {}

  add(record: DeviceRecord): void {
    this.rows++;
    const report: Report = (column, reason) => {
      this.problemCount++;
      if (this.problems.length < MAX_PROBLEMS) this.problems.push({ row: record.row, column, reason });
    };
    const planned = this.check(record, report);
    if (planned && this.problemCount === 0) {
      this.devices.push(planned);
      this.counts[planned.action]++;
    }
  }

  finish(): Plan {
    // Once a problem is found the plan is refused: keeping planned rows would only cost memory.
    const devices = this.problemCount ? [] : this.devices;
    return { rows: this.rows, devices, problems: this.problems, problemCount: this.problemCount, counts: this.counts };
  }

  private check(r: DeviceRecord, report: Report): PlannedDevice | null {
    const fc = r.fieldCount;
    if (fc && fc.got !== fc.expected) {
      report(null, `has ${fc.got} field(s) but the header has ${fc.expected} (a missing or extra comma, or a truncated line)`);
      return null;
    }
    const mac = this.checkMac(r, report);
    const tenant = this.checkTenant(r, report);
    const existing = mac ? this.lookups.device(mac) : null;
    if (mac && existing && tenant && existing.tenantId !== tenant.id) {
      report("mac", `${mac} is already a device of tenant ${this.lookups.tenantName(existing.tenantId)}`);
    }
    const claimProblem = mac && this.options.claimable?.(mac, existing);
    if (claimProblem) return report("mac", claimProblem), null; // the rest would only add noise
    const model = mac ? this.checkModel(r, mac, report) : null;
    const label = DeviceInput.shape.label.safeParse(r.label === "" ? null : r.label);
    if (!label.success) report("label", label.error.issues[0]!.message);
    if (!mac || !tenant || !model || !label.success) return null;
    const lines = this.checkLines(r.lines, model.info, tenant, { mac, existing }, report);
    const limits = this.checkModules(existing, model.info, report);
    if (!limits) return null;
    const keys = r.keyLayout === "" ? null : this.checkKeys(r.keyLayout, limits, tenant, report);
    const keptFit = r.keyLayout !== "" || !existing || this.checkKeptKeys(existing, limits, report);
    if (!lines || (r.keyLayout !== "" && !keys)) return null;
    const misfit = keptFit ? effectiveKeysProblem(this.lookups, existing, limits, lines, keys) : null;
    if (misfit) return report("key_layout", misfit), null;
    const device = { row: r.row, mac, vendor: model.vendor, model: model.info.id, tenantId: tenant.id, label: label.data, lines, keys };
    const action: DeviceAction = !existing ? "created" : sameDevice(this.lookups, existing, device) ? "unchanged" : "updated";
    return { ...device, existing: existing && { id: existing.id, updatedAt: existing.updatedAt }, action };
  }

  private checkMac(r: DeviceRecord, report: Report): Mac | null {
    if (r.mac === "") return report("mac", "is empty"), null;
    const mac = checkMac(r.mac);
    if (!mac.ok) return report("mac", mac.reason), null;
    const earlier = this.seen.get(mac.value);
    if (earlier !== undefined) return report("mac", `${mac.value} is also on row ${earlier}`), null;
    this.seen.set(mac.value, r.row);
    return mac.value;
  }

  private checkTenant(r: DeviceRecord, report: Report): { id: number; name: string } | null {
    if (r.tenant === "") return report("tenant", "is empty"), null;
    const tenant = this.lookups.tenant(r.tenant);
    if (!tenant) report("tenant", `no tenant named ${r.tenant.slice(0, 64)}`);
    const refused = tenant && this.options.tenantRefused?.(tenant.name);
    if (refused) return report("tenant", refused), null;
    return tenant;
  }

  private checkModel(r: DeviceRecord, mac: Mac, report: Report): { vendor: VendorId; info: ModelInfo } | null {
    const vendor = checkVendor(mac, r.vendor);
    if (!vendor.ok) return report("vendor", vendor.reason), null;
    if (r.model === "") return report("model", "is empty"), null;
    const info = checkModel(vendor.value, r.model);
    if (!info.ok) return report("model", info.reason), null;
    return { vendor: vendor.value, info: info.value };
  }

  private checkLines(text: string, model: ModelInfo, tenant: { id: number; name: string }, device: { mac: Mac; existing: ExistingDevice | null }, report: Report): (number | null)[] | null {
    const slots = text.split(LINE_SEPARATOR).map((s) => s.trim());
    while (slots.length && slots[slots.length - 1] === "") slots.pop();
    if (!slots.length) return report("lines", "no extension given; list the extension of each line, as in 101;102"), null;
    const tooMany = lineIndexProblem(model, slots.length);
    if (tooMany) return report("lines", `${slots.length} lines given but ${tooMany}`), null;
    let ok = true;
    const refuse = (reason: string) => {
      ok = false;
      report("lines", reason);
    };
    const ids = slots.map((number) => {
      if (number === "") return null;
      const id = EXTENSION_NUMBER.test(number) ? this.lookups.extension(tenant.id, number) : null;
      if (id === null) {
        refuse(EXTENSION_NUMBER.test(number) ? unknownExtensionReason(number, `tenant ${tenant.name}`) : `"${number.slice(0, 20)}" is not an extension number (2-15 digits)`);
        return null;
      }
      // A new device is in no extension's list of allowed devices yet.
      const listed = () => device.existing !== null && this.lookups.allowedOn(id, device.existing.id);
      const refusal = lineRefusalFor(number, this.lookups.extensionInfo(id).policy().ipPhone, device.mac, listed);
      if (refusal) refuse(refusal);
      return id;
    });
    return ok ? ids : null;
  }

  /** The CSV has no expansion-module column: a device keeps its modules, which must suit a changed model. */
  private checkModules(existing: ExistingDevice | null, model: ModelInfo, report: Report): KeyLimits | null {
    const modules = existing?.expansionModules ?? 0;
    const problem = expansionModulesProblem(model, modules);
    if (problem) return report("model", `the device has ${modules} expansion module(s) but ${problem}; change expansionModules through the API first`), null;
    return keyLimits(model, modules);
  }

  private checkKeys(text: string, limits: KeyLimits, tenant: { id: number; name: string }, report: Report): PlannedKey[] | null {
    const parsed = parseKeyLayout(text);
    if (!parsed.ok) return report("key_layout", parsed.reason), null;
    const twice = firstDuplicate(parsed.keys.map((k) => k.index));
    if (twice !== null) return report("key_layout", `key ${twice} is given twice`), null;
    const out: PlannedKey[] = [];
    for (const k of parsed.keys) {
      const misfit = keyProblem(limits, k);
      if (misfit) return report("key_layout", `key ${k.index}: ${misfit.reason}`), null;
      const target = this.keyTarget(k, tenant);
      if (typeof target === "string") return report("key_layout", `key ${k.index}: ${target}`), null;
      out.push({ keyIndex: k.index, kind: k.kind, label: k.label, lineIndex: k.line, ...target, value: k.kind === "blf" || k.kind === "blf_group" ? null : k.value });
    }
    return out.sort((a, b) => a.keyIndex - b.keyIndex);
  }

  /** A BLF's watched extension, a blf_group's group, or why the key may not have it (the API's checks). */
  private keyTarget(k: KeyInput, tenant: { id: number; name: string }): { targetExtensionId: number | null; groupId: number | null } | string {
    if (k.kind === "blf") {
      const id = this.lookups.extension(tenant.id, k.value!);
      if (id === null) return unknownExtensionReason(k.value!, `tenant ${tenant.name}`);
      return blfKeyRefusalFor(k.value!, this.lookups.extensionInfo(id).policy().blf) ?? { targetExtensionId: id, groupId: null };
    }
    if (k.kind === "blf_group") {
      const id = this.lookups.group(tenant.id, k.value!);
      return id === null ? unknownGroupReason(k.value!) : { targetExtensionId: null, groupId: id };
    }
    return { targetExtensionId: null, groupId: null };
  }

  /** An empty key_layout keeps the device's keys: they must still fit a changed model. False when one does not. */
  private checkKeptKeys(existing: ExistingDevice, limits: KeyLimits, report: Report): boolean {
    if (existing.model === limits.id) return true;
    for (const k of this.lookups.keys(existing.id)) {
      const misfit = keyProblem(limits, { index: k.keyIndex, line: k.lineIndex });
      if (misfit) return report("key_layout", `the device keeps its keys, but key ${k.keyIndex}: ${misfit.reason}; give a key_layout that fits`), false;
    }
    return true;
  }
}
