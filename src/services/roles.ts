import type { TokenRole } from "./schemas.ts";

export type Role = TokenRole;

export interface RoleDefinition {
  /** What the role is for (docs/api.md, `token create --help`). */
  readonly purpose: string;
  /** Null when the role may call the request (route-level `requireRole` checks still apply), else why not. */
  readonly refuses: (method: string, path: string) => string | null;
  /** Sees SIP, provisioning and phone admin passwords in the admin answers. */
  readonly seesSecrets: boolean;
  /** Reads the SIP credentials of its tenants through the PBX routes (docs/pbx.md). */
  readonly readsSipCredentials: boolean;
  /** Limited to the tenants named when the token was made. */
  readonly tenantScoped: boolean;
}

const reads = (method: string) => method === "GET" || method === "HEAD";
/** The routes a PBX calls: credentials of its tenants, the FreeSWITCH directory (docs/pbx.md). */
const PBX_ROUTE = /^\/api\/v1\/pbx\/(tenants\/[^/]+\/extensions(\/[^/]+)?|freeswitch\/directory)$/;
/** What the PBX posts when a phone dials the hot-desk codes 9902, *46, 9999 (docs/hot-desking.md). */
const PBX_POSTS = /^\/api\/v1\/pbx\/(freeswitch\/directory|hot-desk\/(sign-in|release|deactivate))$/;

/**
 * Every token role, in one place: what it may call and see. The admin app (src/http/admin/roles.ts) asks
 * `roleRefusal` for every request; routes narrow further with `requireRole` and `requireTenant`.
 */
export const ROLES: Readonly<Record<Role, RoleDefinition>> = {
  admin: { purpose: "everything", refuses: () => null, seesSecrets: true, readsSipCredentials: true, tenantScoped: false },
  technician: { purpose: "onboarding, no secrets", refuses: () => null, seesSecrets: false, readsSipCredentials: false, tenantScoped: false },
  readonly: {
    purpose: "reads, no secrets",
    refuses: (method) => (reads(method) ? null : "a readonly token cannot change anything"),
    seesSecrets: false,
    readsSipCredentials: false,
    tenantScoped: false,
  },
  // A registrar (a PBX) may report registrations and nothing else: it never reads a credential.
  registrar: {
    purpose: "reports registrations (write-only)",
    refuses: (method, path) =>
      method === "POST" && path === "/api/v1/registrations/events" ? null : "a registrar token may only call POST /api/v1/registrations/events",
    seesSecrets: false,
    readsSipCredentials: false,
    tenantScoped: false,
  },
  pbx: {
    purpose: "a PBX: reads the SIP credentials of its tenants",
    refuses: (method, path) =>
      (reads(method) && PBX_ROUTE.test(path)) || (method === "POST" && PBX_POSTS.test(path))
        ? null
        : "a pbx token may only read /api/v1/pbx/tenants/{tenant}/extensions[/{number}] and call POST /api/v1/pbx/freeswitch/directory and POST /api/v1/pbx/hot-desk/{sign-in,release,deactivate}",
    seesSecrets: false,
    readsSipCredentials: true,
    tenantScoped: true,
  },
};

/** Why the role may not make this request, or null. */
export const roleRefusal = (role: Role, method: string, path: string): string | null => ROLES[role].refuses(method, path);

