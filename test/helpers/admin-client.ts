import { expect } from "vitest";
import type { Config } from "../../src/config.ts";
import type { TokenRole } from "../../src/services/schemas.ts";
import { createToken } from "../../src/services/tokens.ts";
import { dumpDb } from "./test-deps.ts";
import { startTestServer, type Runtime, type TestServer } from "./test-server.ts";

export type Role = TokenRole;

export interface AdminClientOptions {
  /** One token per role, named after the role; default admin, technician and readonly. */
  roles?: readonly Role[];
  /** Runs on a runtime after the tokens are made and before the server starts (e.g. `loadDemo`). */
  prepare?: (rt: Runtime, config: Config) => void | Promise<void>;
}

export interface CallResult {
  status: number;
  /** The parsed JSON answer; the text when it is not JSON; null when empty. */
  json: any;
  text: string;
  type: string | null;
  headers: Headers;
}

/** A real server on ephemeral loopback ports with one token per role, and fetch helpers for the admin API. */
export interface AdminClient extends TestServer {
  /** `http://127.0.0.1:<apiPort>/api/v1` */
  readonly api: string;
  /** The bearer token of each role made. */
  readonly tokens: Readonly<Partial<Record<Role, string>>>;
  /**
   * `role` null: no Authorization header. `type` set: `body` is sent as it is (a string or bytes),
   * with that content type (a CSV file as text/csv, a firmware image as application/octet-stream,
   * hand-written JSON as application/json); otherwise `body` is sent as JSON.
   */
  call(method: string, path: string, body?: unknown, role?: Role | null, type?: string): Promise<CallResult>;
  /** Whole-database dump through a second connection. */
  snapshot(): string;
  /** Asserts the status and message and that the database did not change. */
  refused(method: string, path: string, body: unknown, status: number, message: RegExp): Promise<void>;
}

export function encode(body: unknown, type: string | undefined): BodyInit | undefined {
  if (body === undefined) return undefined;
  if (!type) return JSON.stringify(body);
  if (body instanceof Uint8Array) return new Uint8Array(body);
  return String(body);
}

/** `overrides` go into the server's config, e.g. `startAdminClient({ importBodyLimitBytes: 4096 })`. */
export async function startAdminClient(overrides: Record<string, unknown> = {}, options: AdminClientOptions = {}): Promise<AdminClient> {
  const tokens: Partial<Record<Role, string>> = {};
  const base = await startTestServer(overrides, async (rt, config) => {
    for (const role of options.roles ?? ["admin", "technician", "readonly"]) tokens[role] = createToken(rt, role, role).token;
    await options.prepare?.(rt, config);
  });
  const api = `http://127.0.0.1:${base.server.apiPort}/api/v1`;
  const call: AdminClient["call"] = async (method, path, body, role = "admin", type) => {
    const token = role ? tokens[role] : undefined;
    if (role && !token) throw new Error(`no ${role} token: add "${role}" to the roles of startAdminClient`);
    const res = await fetch(`${api}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { "content-type": type ?? "application/json" } : {}) },
      body: encode(body, type),
    });
    const text = await res.text();
    return { status: res.status, json: parseAnswer(text), text, type: res.headers.get("content-type"), headers: res.headers };
  };
  const snapshot = () => base.withRuntime((rt) => dumpDb(rt));
  return {
    ...base,
    api,
    tokens,
    call,
    snapshot,
    refused: refusedCheck(call, snapshot),
  };
}

/** `refused` of a client: the status and message, and a database left as it was. */
export function refusedCheck(call: AdminClient["call"], snapshot: () => string): AdminClient["refused"] {
  return async (method, path, body, status, message) => {
    const before = snapshot();
    const r = await call(method, path, body);
    expect(r.status, JSON.stringify(r.json)).toBe(status);
    expect(r.json.error.message).toMatch(message);
    expect(snapshot()).toBe(before);
  };
}

/** An answer's body as `call` gives it: parsed JSON, else the text, null when empty. */
export function parseAnswer(text: string): any {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return text;
  }
}
