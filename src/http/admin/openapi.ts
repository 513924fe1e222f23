import Router from "@koa/router";
import { z } from "zod";
import { OPERATIONS, type Operation } from "./openapi-operations.ts";
import type { AdminState } from "./roles.ts";

/** The OpenAPI 3.1 document of the admin API, built once from the operations table. */

const ERROR = {
  description: "Error",
  content: {
    "application/json": {
      schema: {
        type: "object",
        required: ["error"],
        properties: { error: { type: "object", required: ["code", "message"], properties: { code: { type: "string" }, message: { type: "string" } } } },
      },
    },
  },
};

function jsonSchema(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

const CSV = { "text/csv": { schema: { type: "string", description: "CSV: mac,vendor,model,tenant,lines,label,key_layout (docs/onboarding.md)" } } };

const IMAGE = { "application/octet-stream": { schema: { type: "string", format: "binary", description: "the firmware image, streamed" } } };

function requestBody(body: NonNullable<Operation["body"]>) {
  if (body === "text/csv") return { required: true, content: CSV };
  if (body === "application/octet-stream") return { required: true, content: IMAGE };
  if (body === "application/x-www-form-urlencoded") return { required: true, content: { [body]: { schema: { type: "object", description: "mod_xml_curl's form fields (section, key_value, user, domain, action, ...)" } } } };
  return { required: true, content: { "application/json": { schema: jsonSchema(body, "input") } } };
}

function queryParameters(query: NonNullable<Operation["query"]>) {
  if (query instanceof z.ZodObject) {
    return Object.entries(query.shape).map(([name, schema]) => ({ name, in: "query", required: false, schema: jsonSchema(schema as z.ZodType, "input") }));
  }
  return Object.entries(query).map(([name, description]) => ({ name, in: "query", required: false, description, schema: { type: "string" } }));
}

function responses(o: Operation): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (o.status === undefined && o.response === undefined) out["200"] = { description: "OK (201 on creation, 204 on deletion)" };
  else {
    const content = o.response === undefined ? undefined : o.response === "text/csv" ? CSV : { "application/json": { schema: jsonSchema(o.response, "output") } };
    out[String(o.status ?? 200)] = { description: o.status === 204 ? "No content" : o.status === 202 ? "Accepted" : o.status === 201 ? "Created" : "OK", ...(content ? { content } : {}) };
  }
  for (const [status, schema] of Object.entries(o.errors ?? {})) out[status] = { description: "Refused", content: { "application/json": { schema: jsonSchema(schema, "output") } } };
  out.default = ERROR;
  return out;
}

function operation(o: Operation) {
  const params = [...o.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
  const query = o.query ? queryParameters(o.query) : [];
  return {
    summary: o.summary,
    tags: [o.tag],
    "x-roles": o.roles,
    ...(params.length || query.length ? { parameters: [...params, ...query] } : {}),
    ...(o.body ? { requestBody: requestBody(o.body) } : {}),
    responses: responses(o),
  };
}

function buildOpenApi(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const o of OPERATIONS) (paths[o.path] ??= {})[o.method] = operation(o);
  return {
    openapi: "3.1.0",
    info: { title: "phonehome admin API", version: "1", description: "See docs/api.md and docs/extensions.md. Every request needs `Authorization: Bearer <token>`." },
    servers: [{ url: "/api/v1" }],
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    security: [{ bearer: [] }],
    paths,
  };
}

export function openApiRoutes(): Router<AdminState> {
  const r = new Router<AdminState>();
  let doc: Record<string, unknown> | null = null;
  r.get("/openapi.json", (ctx) => {
    ctx.body = doc ??= buildOpenApi();
  });
  return r;
}
