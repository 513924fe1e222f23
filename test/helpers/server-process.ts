import { spawn, execFile, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, vi } from "vitest";

export const BIN = fileURLToPath(new URL("../../bin/phonehome.mjs", import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `phonehome <args>` as its own process. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, PHONEHOME_DATA_DIR: "", ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** A `phonehome serve` process on ephemeral loopback ports. */
export interface ServerProcess {
  readonly child: ChildProcess;
  readonly httpPort: number;
  readonly apiPort: number;
  /** Everything the process wrote so far. */
  output(): string;
  /** SIGKILL, and wait for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM, and wait for the exit. */
  stop(): Promise<void>;
}

/** The outcome of a start: the running server, or the exit code and output of a process that refused to start. */
export type StartResult = { ok: true; server: ServerProcess } | { ok: false; code: number | null; output: string };

/** Starts `phonehome serve --data-dir <dataDir>` and waits for its "listening" line (or its exit). */
export function startServerProcess(dataDir: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<StartResult> {
  const child = spawn(
    process.execPath,
    [BIN, "serve", "--data-dir", dataDir, "--http-host", "127.0.0.1", "--http-port", "0", "--api-host", "127.0.0.1", "--api-port", "0", "--tftp-host", "127.0.0.1", "--tftp-port", "0"],
    { env: { ...process.env, PHONEHOME_DATA_DIR: "", PHONEHOME_LOG_LEVEL: "info", ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const waitExit = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve({ ok: false, code: null, output: `${out}\n(timed out waiting for "phonehome listening")` });
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString("utf8");
      for (const line of out.split("\n")) {
        if (!line.includes('"phonehome listening"')) continue;
        const j = JSON.parse(line) as { http: string; api: string };
        clearTimeout(timer);
        const port = (hostPort: string) => Number(hostPort.slice(hostPort.lastIndexOf(":") + 1));
        resolve({
          ok: true,
          server: { child, httpPort: port(j.http), apiPort: port(j.api), output: () => out, kill9: () => waitExit("SIGKILL"), stop: () => waitExit("SIGTERM") },
        });
        return;
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ ok: false, code, output: out });
    });
  });
}

/**
 * Waits until the admin API (`call`, a test's own) shows the phone's last address: the fetch log is
 * written in the background, so a phone's address is known once its fetch is recorded.
 */
export async function untilFetchRecorded(call: (method: string, path: string, body: unknown) => Promise<{ json: any }>, mac: string, address = "127.0.0.1"): Promise<void> {
  await vi.waitFor(async () => expect((await call("GET", `/devices/${mac}`, undefined)).json.lastIp).toBe(address), { timeout: 30_000, interval: 50 });
}

/** Loopback SIP with short timers, for the kill -9 tests of queued NOTIFYs. */
const SIP_ENV = { PHONEHOME_SIP_BIND_HOST: "127.0.0.1", PHONEHOME_SIP_T1_MS: "50", PHONEHOME_SIP_T2_MS: "400", PHONEHOME_SIP_TIMER_F_MS: "3000", PHONEHOME_FETCH_LOG_FLUSH_MS: "5" };

/**
 * `phonehome serve` with loopback SIP and short SIP timers; `jitterMs` delays each NOTIFY (a long
 * one keeps the first process's NOTIFY from leaving before a kill -9). Throws when it does not start.
 */
export async function startSipServerProcess(dataDir: string, jitterMs: number): Promise<ServerProcess> {
  const r = await startServerProcess(dataDir, { ...SIP_ENV, PHONEHOME_NOTIFY_JITTER_MS: String(jitterMs) });
  if (!r.ok) throw new Error(`server did not start: ${r.output}`);
  return r.server;
}
