import { z } from "zod";
import { HotDeskProfilePatch } from "../../hot-desk/person.ts";
import { HotDeskRulesPatch } from "../../hot-desk/rules.ts";
import type { Operation } from "./openapi-operations.ts";

/** Answer shapes and operations of the hot-desk routes (docs/hot-desking.md). */
const iso = z.string().describe("ISO 8601 time");

const HotDeskOut = z.strictObject({
  mac: z.string(),
  tenant: z.string(),
  model: z.string(),
  label: z.string().nullable(),
  key: z.number().int().nullable().describe("key slot of the Sign in / Sign out key; null = none"),
  state: z.enum(["free", "signed-in"]),
  extension: z.string().nullable(),
  displayName: z.string().nullable(),
  signedInAt: iso.nullable(),
  signedInVia: z.string().nullable(),
  signOutDueAt: iso.nullable().describe("when the tenant's rules sign the person out"),
  source: z.enum(["device", "tenant-default"]).describe("device: hot-desk enable; tenant-default: the tenant's default for the model"),
});
const Notify = z.strictObject({ notified: z.array(z.string()), skipped: z.array(z.string()).describe("phones with no known address: they get the change at their next fetch") });
const HotDeskChangeOut = z.strictObject({ hotDesk: HotDeskOut.nullable(), moved: z.array(z.string()).describe("desks the person was signed out of"), notify: Notify });
const RulesOut = z.strictObject({ tenant: z.string(), timeZone: z.string(), signOutAt: z.string().nullable(), maxHours: z.number().int().nullable(), oneDeskPerPerson: z.boolean() });
const ProfileOut = z.strictObject({
  tenant: z.string(),
  extension: z.string(),
  pinSource: z.enum(["hot-desk", "voicemail"]).nullable(),
  layout: z.string().nullable(),
  signedInAt: z.array(z.string()).describe("MACs of the desks the extension is signed in at"),
});
const DefaultOut = z.strictObject({
  tenant: z.string(),
  vendor: z.string(),
  model: z.string(),
  since: iso,
  hotDesks: z.number().int().describe("devices of the model in the tenant that are hot desks by this default now"),
  optedOut: z.array(z.string()).describe("devices of the model taken out with hot-desk disable"),
});
const DefaultRemovedOut = z.strictObject({ removed: DefaultOut, signedOut: z.array(z.string()).describe("desks whose person was signed out"), notify: Notify });
export const EnableInput = z.strictObject({ key: z.number("must be a key number, or null for no hot-desk key").int().min(1).nullable().optional() });
export const AdminSignInInput = z.strictObject({ extension: z.string("must be an extension number of the device's tenant").regex(/^\d{2,15}$/, "must be 2-15 digits") });

const D = "/devices/{mac}/hot-desk";
const FORM = "application/x-www-form-urlencoded";
export const HOT_DESK_OPERATIONS: readonly Operation[] = [
  { method: "get", path: "/hot-desks", roles: "any", tag: "hot-desking", summary: "Hot desks and who sits where", query: { tenant: "only this tenant" }, response: z.strictObject({ hotDesks: z.array(HotDeskOut) }) },
  { method: "get", path: D, roles: "any", tag: "hot-desking", summary: "A hot desk's state", response: HotDeskOut },
  { method: "post", path: D, roles: "admin, technician", tag: "hot-desking", summary: "Make the device a hot desk; its lines and keys become its base profile, plus a Sign in key", body: EnableInput, status: 201, response: HotDeskChangeOut },
  { method: "delete", path: D, roles: "admin, technician", tag: "hot-desking", summary: "No longer a hot desk: signs out whoever sits there, removes the Sign in key", status: 204 },
  { method: "post", path: `${D}/sign-in`, roles: "admin, technician", tag: "hot-desking", summary: "Sign an extension in at the desk (no PIN) and NOTIFY the phone", body: AdminSignInInput, response: HotDeskChangeOut },
  { method: "post", path: `${D}/sign-out`, roles: "admin, technician", tag: "hot-desking", summary: "Sign out: the base profile comes back, the phone is NOTIFYed", response: HotDeskChangeOut },
  { method: "get", path: "/tenants/{tenant}/hot-desk/rules", roles: "any", tag: "hot-desking", summary: "The tenant's hoteling rules", response: RulesOut },
  { method: "patch", path: "/tenants/{tenant}/hot-desk/rules", roles: "admin", tag: "hot-desking", summary: "Change the hoteling rules (automatic sign-out time or hours, one desk per person)", body: HotDeskRulesPatch, response: RulesOut },
  { method: "get", path: "/tenants/{tenant}/hot-desk/defaults", roles: "any", tag: "hot-desking", summary: "The models that are hot desks by default in the tenant", response: z.strictObject({ tenant: z.string(), defaults: z.array(DefaultOut) }) },
  { method: "put", path: "/tenants/{tenant}/hot-desk/defaults/{vendor}/{model}", roles: "admin", tag: "hot-desking", summary: "Make every device of the model in the tenant a hot desk (its lines and keys as they are); no body", response: DefaultOut },
  { method: "delete", path: "/tenants/{tenant}/hot-desk/defaults/{vendor}/{model}", roles: "admin", tag: "hot-desking", summary: "The model is no longer a hot desk by default: people at its default desks are signed out", response: DefaultRemovedOut },
  { method: "get", path: "/tenants/{tenant}/extensions/{number}/hot-desk", roles: "any", tag: "hot-desking", summary: "The extension's hot-desk profile and the desks it sits at", response: ProfileOut },
  { method: "patch", path: "/tenants/{tenant}/extensions/{number}/hot-desk", roles: "admin", tag: "hot-desking", summary: "Set the extension's hot-desk PIN and key layout", body: HotDeskProfilePatch, response: ProfileOut },
  { method: "post", path: "/pbx/hot-desk/sign-in", roles: "admin, pbx", tag: "pbx", summary: "9902: sign the caller's phone in as extension+PIN (JSON, or a form as dialplans post: then a one-line text answer)", body: FORM, response: HotDeskChangeOut },
  { method: "post", path: "/pbx/hot-desk/release", roles: "admin, pbx", tag: "pbx", summary: "*46: the caller's phone releases the desk", body: FORM, response: HotDeskChangeOut },
  { method: "post", path: "/pbx/hot-desk/deactivate", roles: "admin, pbx", tag: "pbx", summary: "9999: the person at the caller's phone is signed out of every desk", body: FORM, response: HotDeskChangeOut },
];
