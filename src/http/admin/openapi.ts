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

function bodySchema(schema: z.ZodType): unknown {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

function operation(o: Operation) {
  const params = [...o.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
  const query = Object.entries(o.query ?? {}).map(([name, description]) => ({ name, in: "query", required: false, description, schema: { type: "string" } }));
  return {
    summary: o.summary,
    tags: [o.tag],
    "x-roles": o.roles,
    ...(params.length || query.length ? { parameters: [...params, ...query] } : {}),
    ...(o.body ? { requestBody: { required: true, content: { "application/json": { schema: bodySchema(o.body) } } } } : {}),
    responses: { "200": { description: "OK (201 on creation, 204 on deletion)" }, default: ERROR },
  };
}

export function buildOpenApi(): Record<string, unknown> {
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
