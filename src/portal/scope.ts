import { forbidden } from "../errors.ts";
import type { Subject } from "./accounts.ts";

/**
 * What a signed-in account may see and do (the table in docs/portal.md). Pages call the same
 * services as the API, so the API's role names are reused: `role` is the API role whose rules apply
 * (admin, technician, readonly), or null for self-service only.
 */
export interface Scope {
  readonly subject: Subject;
  readonly role: "admin" | "technician" | "readonly" | null;
  /** Tenants visible; null = every tenant. */
  readonly tenants: readonly string[] | null;
  /** Cross-tenant pages: discovery inbox and claim (admin, technician), firmware changes and accounts (admin). */
  readonly unlimited: boolean;
  /** The extension of an extension user. */
  readonly self: { readonly tenant: string; readonly number: string } | null;
  /** Operators see their tenant's directory (numbers, names, registration state). */
  readonly directory: boolean;
}

export function scopeOf(subject: Subject): Scope {
  if (subject.kind === "system") {
    return { subject, role: subject.role, tenants: subject.tenants, unlimited: subject.tenants === null, self: null, directory: true };
  }
  const self = { tenant: subject.tenant, number: subject.number };
  const own = [subject.tenant];
  switch (subject.role) {
    case "administrator":
      return { subject, role: "admin", tenants: own, unlimited: false, self, directory: true };
    case "manager":
      return { subject, role: "readonly", tenants: own, unlimited: false, self, directory: true };
    case "operator":
      return { subject, role: null, tenants: own, unlimited: false, self, directory: true };
    default:
      return { subject, role: null, tenants: own, unlimited: false, self, directory: false };
  }
}

export const seesTenant = (s: Scope, tenant: string): boolean => s.tenants === null || s.tenants.includes(tenant);

/** May open other extensions' pages and devices (admin, technician, readonly, administrator, manager). */
export const seesTenantData = (s: Scope, tenant: string): boolean => s.role !== null && seesTenant(s, tenant);

export const canAdmin = (s: Scope): boolean => s.role === "admin";
/** Admin or technician: phones (lines, keys, resync, reboot), onboarding. */
export const canOperate = (s: Scope): boolean => s.role === "admin" || s.role === "technician";
/** SIP, provisioning and phone admin passwords, voicemail PINs: admins only, as in the API. */
export const seesSecrets = (s: Scope): boolean => s.role === "admin";

export function requireTenant(s: Scope, tenant: string): void {
  if (!seesTenantData(s, tenant)) throw forbidden(`this account cannot see tenant ${tenant}'s extensions and phones`);
}
export function requireAdmin(s: Scope, tenant?: string): void {
  if (tenant !== undefined) requireTenant(s, tenant);
  if (!canAdmin(s)) throw forbidden("this needs the admin role");
}
export function requireOperate(s: Scope, tenant?: string): void {
  if (tenant !== undefined) requireTenant(s, tenant);
  if (!canOperate(s)) throw forbidden("this needs the admin or technician role");
}
export function requireUnlimited(s: Scope, ...roles: ("admin" | "technician")[]): void {
  if (!s.unlimited || !s.role || !(roles as string[]).includes(s.role)) throw forbidden(`this needs the ${roles.join(" or ")} role across every tenant`);
}
