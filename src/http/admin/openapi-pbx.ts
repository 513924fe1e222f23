import { z } from "zod";
import { WebhookInput, DeliveryFilter } from "../../pbx/webhooks.ts";
import type { Operation } from "./openapi-operations.ts";

/** Answer shapes and operations of the PBX routes (docs/pbx.md); strict, like openapi-responses.ts. */
const iso = z.string().describe("ISO 8601 time");

const SipCredentialOut = z.strictObject({
  tenant: z.string(),
  domain: z.string().describe("SIP domain, also the digest realm"),
  number: z.string(),
  displayName: z.string(),
  sipUser: z.string(),
  authUser: z.string(),
  password: z.string(),
  ha1: z.string().describe("MD5(authUser:domain:password)"),
  ha1b: z.string().describe("MD5(authUser@domain:domain:password)"),
  voicemailNumber: z.string(),
  voicemailPin: z.string().nullable(),
  enabled: z.boolean(),
  phones: z.number().int(),
  registerExpires: z.number().int(),
});
const TenantCredentialsOut = z.strictObject({ tenant: z.string(), extensions: z.array(SipCredentialOut) });
const Webhook = z.strictObject({
  name: z.string(),
  url: z.string(),
  tenants: z.array(z.string()).nullable(),
  createdAt: iso,
  pending: z.number().int(),
  delivered: z.number().int(),
  failed: z.number().int(),
});
const WebhookCreatedOut = z.strictObject({ webhook: Webhook, secret: z.string().describe("HMAC-SHA256 key, shown once") });
const WebhooksOut = z.strictObject({ webhooks: z.array(Webhook) });
const DeliveriesOut = z.strictObject({
  deliveries: z.array(
    z.strictObject({
      event: z.number().int(),
      type: z.string(),
      extension: z.string(),
      webhook: z.string(),
      state: z.enum(["pending", "delivered", "failed"]),
      attempts: z.number().int(),
      nextAttemptAt: iso.nullable(),
      lastStatus: z.number().int().nullable(),
      lastError: z.string().nullable(),
      deliveredAt: iso.nullable(),
      at: iso,
    }),
  ),
});

const P = "/pbx/tenants/{tenant}/extensions";
export const PBX_OPERATIONS: readonly Operation[] = [
  { method: "get", path: P, roles: "admin, pbx", tag: "pbx", summary: "SIP credentials of every extension of a tenant (a pbx token: its tenants only)", response: TenantCredentialsOut },
  { method: "get", path: `${P}/{number}`, roles: "admin, pbx", tag: "pbx", summary: "SIP credentials of one extension", response: SipCredentialOut },
  { method: "post", path: "/pbx/freeswitch/directory", roles: "admin, pbx", tag: "pbx", summary: "FreeSWITCH mod_xml_curl directory lookup (form-encoded); answers a freeswitch/xml document or the not-found document", body: "application/x-www-form-urlencoded" },
  { method: "get", path: "/pbx/webhooks", roles: "any", tag: "pbx", summary: "Change-feed webhooks with their delivery counts", response: WebhooksOut },
  { method: "post", path: "/pbx/webhooks", roles: "admin", tag: "pbx", summary: "Add a change-feed webhook; the signing secret is shown once", body: WebhookInput, status: 201, response: WebhookCreatedOut },
  { method: "delete", path: "/pbx/webhooks/{name}", roles: "admin", tag: "pbx", summary: "Remove a webhook (its pending deliveries go too)", status: 204 },
  { method: "get", path: "/pbx/deliveries", roles: "any", tag: "pbx", summary: "Change-feed deliveries, newest event first: state, attempts, last error", query: DeliveryFilter, response: DeliveriesOut },
];
