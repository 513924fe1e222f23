import pino from "pino";
import { expect } from "vitest";
import { createRuntime } from "../../src/runtime.ts";
import { startServer, type RunningServer } from "../../src/server.ts";
import { createToken } from "../../src/services/tokens.ts";
import { dumpDb, tempConfig } from "./test-deps.ts";

export type Role = "admin" | "technician" | "readonly";

/** A real server on ephemeral loopback ports with one token per role, and fetch helpers. */
export interface AdminClient {
  readonly api: string;
  /** `type` set: `body` is sent as it is, with that content type (e.g. a CSV file as text/csv). */
  call(method: string, path: string, body?: unknown, role?: Role | null, type?: string): Promise<{ status: number; json: any; text: string; type: string | null }>;
  /** Whole-database dump through a second connection. */
  snapshot(): string;
  /** Asserts the status and message and that the database did not change. */
  refused(method: string, path: string, body: unknown, status: number, message: RegExp): Promise<void>;
  close(): Promise<void>;
}

export async function startAdminClient(): Promise<AdminClient> {
  const quiet = pino({ level: "silent" });
  const env = tempConfig();
  const rt = createRuntime(env.config, quiet);
  const tokens: Record<string, string> = {};
  for (const role of ["admin", "technician", "readonly"] as const) tokens[role] = createToken(rt, role, role).token;
  rt.close();
  const server: RunningServer = await startServer(env.config, quiet);
  const api = `http://127.0.0.1:${server.apiPort}/api/v1`;
  const call: AdminClient["call"] = async (method, path, body, role = "admin", type) => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: { ...(role ? { authorization: `Bearer ${tokens[role]}` } : {}), ...(body !== undefined ? { "content-type": type ?? "application/json" } : {}) },
      body: body === undefined ? undefined : type ? String(body) : JSON.stringify(body),
    });
    const text = await res.text();
    let json: any = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: res.status, json, text, type: res.headers.get("content-type") };
  };
  const snapshot = () => {
    const r = createRuntime(env.config, quiet);
    try {
      return dumpDb(r);
    } finally {
      r.close();
    }
  };
  return {
    api,
    call,
    snapshot,
    async refused(method, path, body, status, message) {
      const before = snapshot();
      const r = await call(method, path, body);
      expect(r.status, JSON.stringify(r.json)).toBe(status);
      expect(r.json.error.message).toMatch(message);
      expect(snapshot()).toBe(before);
    },
    async close() {
      await server.close();
      env.cleanup();
    },
  };
}
