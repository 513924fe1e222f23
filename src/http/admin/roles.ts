import type { ParameterizedContext } from "koa";
import { forbidden } from "../../errors.ts";
import { ROLES, type Role } from "../../services/roles.ts";

export { roleRefusal, type Role } from "../../services/roles.ts";

export interface AdminState {
  role: Role;
  tokenName: string;
  /** Tenants a tenant-scoped token (`pbx`) may read; null = not scoped. */
  tenants: readonly string[] | null;
}

export type AdminContext = ParameterizedContext<AdminState>;

/** Throws 403 unless the caller's role is one of `roles`. */
export function requireRole(ctx: AdminContext, ...roles: Role[]): void {
  if (!roles.includes(ctx.state.role)) {
    throw forbidden(`this needs the ${roles.join(" or ")} role; the token has ${ctx.state.role}`);
  }
}

/** Throws 403 when a tenant-scoped token asks for a tenant it was not given. */
export function requireTenant(ctx: AdminContext, tenant: string): void {
  const scope = ctx.state.tenants;
  if (ROLES[ctx.state.role].tenantScoped && !(scope ?? []).includes(tenant)) {
    throw forbidden(`this token may read tenant(s) ${(scope ?? []).join(", ") || "(none)"} only, not ${tenant.slice(0, 64)}`);
  }
}

/** Tenants a caller may see among `all`: every one, or its scope. */
export const visibleTenants = (ctx: AdminContext, all: readonly string[]): string[] =>
  ROLES[ctx.state.role].tenantScoped ? all.filter((t) => (ctx.state.tenants ?? []).includes(t)) : [...all];

/** Only admins see SIP, provisioning and phone admin passwords. */
export const seesSecrets = (ctx: AdminContext): boolean => ROLES[ctx.state.role].seesSecrets;
