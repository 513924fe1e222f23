import pino from "pino";
import type { Config } from "../../src/config.ts";
import { createRuntime } from "../../src/runtime.ts";
import { startServer, type RunningServer } from "../../src/server.ts";
import { closingAfter, tempConfig } from "./test-deps.ts";

export type Runtime = ReturnType<typeof createRuntime>;

const quiet = pino({ level: "silent" });

/** A real server on ephemeral loopback ports over a throw-away data directory. */
export interface TestServer {
  readonly config: Config;
  /** The running server: `httpPort`, `httpsPort`, `apiPort`, `tftpPort`. */
  readonly server: RunningServer;
  /** Base URL of the phone-facing HTTP listener, `http://127.0.0.1:<httpPort>`. */
  readonly phoneUrl: string;
  /** A second runtime on the server's data directory, as a CLI command would open it; the caller closes it. */
  runtime(): Runtime;
  /** Runs `fn` on a second runtime and closes it. */
  withRuntime<T>(fn: (rt: Runtime) => T): T;
  /** Stops the server and removes the data directory. */
  close(): Promise<void>;
}

/**
 * Writes a temporary config (`overrides` on top of the test defaults), runs `prepare` on a runtime
 * before the server starts (seed data, certificates), then starts the server.
 */
export async function startTestServer(overrides: Record<string, unknown> = {}, prepare?: (rt: Runtime, config: Config) => void | Promise<void>): Promise<TestServer> {
  const env = tempConfig(overrides);
  const runtime = () => createRuntime(env.config, quiet);
  const withRuntime = <T>(fn: (rt: Runtime) => T): T => {
    const rt = runtime();
    return closingAfter(rt, fn);
  };
  if (prepare) await withRuntime((rt) => prepare(rt, env.config));
  const server = await startServer(env.config, quiet);
  return {
    config: env.config,
    server,
    phoneUrl: `http://127.0.0.1:${server.httpPort}`,
    runtime,
    withRuntime,
    async close() {
      await server.close();
      env.cleanup();
    },
  };
}
