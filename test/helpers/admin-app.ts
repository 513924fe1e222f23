import inject from "light-my-request";
import pino from "pino";
import type { Data } from "../../src/db/data.ts";
import { createAdminApp } from "../../src/http/admin/app.ts";
import { sipSettingsFrom } from "../../src/registrations/sip-settings.ts";
import { createRuntime } from "../../src/runtime.ts";
import { createToken } from "../../src/services/tokens.ts";
import { encode, parseAnswer, refusedCheck, type AdminClient, type AdminClientOptions, type Role } from "./admin-client.ts";
import { dumpDb, tempConfig } from "./test-deps.ts";
import type { Runtime } from "./test-server.ts";

/**
 * The admin API without a listener: the koa app's `callback()` answers requests injected in
 * process (light-my-request builds the request and response objects Node's HTTP server would).
 * For tests of the API's answers and database effects; tests of sockets, listeners, TLS, timeouts
 * or other processes use startAdminClient (a real server on loopback ports).
 */
export interface AdminApp extends Pick<AdminClient, "tokens" | "call" | "snapshot" | "refused"> {
  /** The one runtime the app runs on (its database, secrets, clock). */
  readonly runtime: Runtime;
  withRuntime<T>(fn: (rt: Runtime) => T): T;
  close(): Promise<void>;
}

const quiet = pino({ level: "silent" });

/**
 * `options.data` replaces the runtime's asynchronous handle (a PostgreSQL one, say): the routes of
 * converted services then read and write there, everything else stays on the runtime's SQLite file.
 */
export function startAdminApp(overrides: Record<string, unknown> = {}, options: AdminClientOptions & { data?: Data } = {}): AdminApp {
  const env = tempConfig(overrides);
  const runtime = createRuntime(env.config, quiet);
  const tokens: Partial<Record<Role, string>> = {};
  for (const role of options.roles ?? ["admin", "technician", "readonly"]) tokens[role] = createToken(runtime, role, role).token;
  // Synchronous: seed what is asynchronous after the app has started (`await loadDemo(app.runtime)`).
  if (options.prepare?.(runtime, env.config) instanceof Promise) throw new Error("startAdminApp runs prepare synchronously: await the seeding on app.runtime after it instead");
  const config = env.config;
  const handler = createAdminApp(options.data ? { ...runtime, data: options.data } : runtime, {
    bodyLimitBytes: config.apiBodyLimitBytes,
    importLimitBytes: config.importBodyLimitBytes,
    firmwareMaxBytes: config.firmwareMaxBytes,
    sip: sipSettingsFrom(config),
    importMaxRows: config.importMaxRows,
    dbLockTimeoutMs: config.dbLockTimeoutMs,
  }).callback();
  const call: AdminClient["call"] = async (method, path, body, role = "admin", type) => {
    const token = role ? tokens[role] : undefined;
    if (role && !token) throw new Error(`no ${role} token: add "${role}" to the roles of startAdminApp`);
    const encoded = encode(body, type);
    const res = await inject(handler, {
      method: method as never,
      url: `/api/v1${path}`,
      remoteAddress: "127.0.0.1",
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { "content-type": type ?? "application/json" } : {}) },
      ...(encoded === undefined ? {} : { payload: typeof encoded === "string" ? encoded : Buffer.from(encoded as Uint8Array) }),
    });
    const headers = new Headers();
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : String(v));
    return { status: res.statusCode, json: parseAnswer(res.body), text: res.body, type: headers.get("content-type"), headers };
  };
  const snapshot = () => dumpDb(runtime);
  return {
    runtime,
    tokens,
    call,
    snapshot,
    refused: refusedCheck(call, snapshot),
    withRuntime: (fn) => fn(runtime),
    async close() {
      runtime.close();
      env.cleanup();
    },
  };
}
