import { afterAll, beforeAll } from "vitest";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Config } from "../../src/config.ts";
import { createLogger } from "../../src/logger.ts";
import { createRuntime } from "../../src/runtime.ts";
import { closingAfter, tempConfig } from "./test-deps.ts";

const BIN = fileURLToPath(new URL("../../bin/phonehome.mjs", import.meta.url));

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real `phonehome` binary on one data directory (`--data-dir` appended). */
export function cliRunner(config: Config) {
  const dd = ["--data-dir", config.dataDir];
  const run = (args: readonly string[], extraEnv: Record<string, string> = {}): Promise<CliRun> =>
    new Promise((resolve) => {
      execFile(process.execPath, [BIN, ...args, ...dd], { env: { ...process.env, PHONEHOME_DATA_DIR: "", ...extraEnv }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
      });
    });
  /** `phonehome <args> | head -n 1` in bash: the CLI's own exit code (PIPESTATUS) and its stderr. */
  const runIntoHead = (args: readonly string[]): Promise<{ code: number; stderr: string; head: string }> => {
    const quoted = [process.execPath, BIN, ...args, ...dd].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
    const errFile = join(config.dataDir, `stderr-${process.hrtime.bigint()}`);
    return new Promise((resolve) => {
      execFile("bash", ["-c", `${quoted} 2>'${errFile}' | head -n 1; echo "exit=\${PIPESTATUS[0]}"; cat '${errFile}'`], { env: { ...process.env, PHONEHOME_DATA_DIR: "" } }, (_err, stdout) => {
        const [head = "", exit = "", ...rest] = stdout.split("\n");
        resolve({ head, code: Number(exit.replace("exit=", "")), stderr: rest.join("\n") });
      });
    });
  };
  /** A runtime on the same data directory, closed after `fn` (to arrange what the CLI cannot). */
  const withRuntime = <T>(fn: (rt: ReturnType<typeof createRuntime>) => T): T => {
    const rt = createRuntime(config, createLogger("silent"));
    return closingAfter(rt, fn);
  };
  return { run, runIntoHead, withRuntime };
}

/**
 * A throw-away data directory loaded with the demo site (`phonehome demo`) before the file's tests,
 * removed after them; the runner works on it. Call at the top level of a test file.
 */
export function demoCliRunner(): ReturnType<typeof cliRunner> & { readonly config: Config } {
  const env = tempConfig();
  const runner = cliRunner(env.config);
  beforeAll(async () => {
    await runner.run(["demo"]);
  }, 60_000);
  afterAll(() => env.cleanup());
  return { ...runner, config: env.config };
}
