import type { ParameterizedContext } from "koa";
import { forbidden } from "../../errors.ts";

export type Role = "admin" | "technician" | "readonly" | "registrar";

export interface AdminState {
  role: Role;
  tokenName: string;
}

export type AdminContext = ParameterizedContext<AdminState>;

/** Throws 403 unless the caller's role is one of `roles`. */
export function requireRole(ctx: AdminContext, ...roles: Role[]): void {
  if (!roles.includes(ctx.state.role)) {
    throw forbidden(`this needs the ${roles.join(" or ")} role; the token has ${ctx.state.role}`);
  }
}

/** Only admins see SIP, provisioning and phone admin passwords. */
export const seesSecrets = (ctx: AdminContext): boolean => ctx.state.role === "admin";
