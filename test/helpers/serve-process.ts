import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../bin/phonehome.mjs", import.meta.url));

/** A port free on 127.0.0.1 right now (bound to 0, read, released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface ServeProcess {
  readonly child: ChildProcess;
  /** Resolves when the server logged "phonehome listening", or rejects with its output when it exits first. */
  readonly ready: Promise<void>;
  /** The exit code once the process ended. */
  readonly exited: Promise<number>;
  output(): { stdout: string; stderr: string };
  /** SIGTERM (the server's own clean stop) and wait for the exit. */
  stop(): Promise<number>;
}

/** Runs `phonehome <args>` as a real process (`serve` by default), with `env` added to a clean PHONEHOME_* environment. */
export function spawnPhonehome(args: readonly string[], env: Record<string, string> = {}): ServeProcess {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PHONEHOME_")));
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...clean, PHONEHOME_LOG_LEVEL: "info", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (b: Buffer) => (stdout += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number>((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  const ready = new Promise<void>((resolve, reject) => {
    const check = () => {
      if (stdout.includes('"msg":"phonehome listening"')) resolve();
    };
    child.stdout!.on("data", check);
    void exited.then((code) => reject(new Error(`phonehome exited ${code} before listening\n${stdout}\n${stderr}`)));
  });
  // Callers that only wait for the exit never look at `ready`: keep its rejection from going unhandled.
  ready.catch(() => undefined);
  return {
    child,
    ready,
    exited,
    output: () => ({ stdout, stderr }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}
