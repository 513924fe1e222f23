import { spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { createServer, connect } from "node:net";
import { fileURLToPath } from "node:url";

export interface SippRun {
  readonly port: number;
  /** Settles when sipp exits: code 0 = the scenario completed. */
  readonly done: Promise<{ code: number | null; output: string }>;
  stop(): void;
}

const scenario = (name: string) => fileURLToPath(new URL(`../sip/${name}`, import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A free port on 127.0.0.1 for the given transport (bind to 0, read it, release it). */
export async function freePort(transport: "udp" | "tcp"): Promise<number> {
  if (transport === "tcp") {
    return new Promise((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
  }
  return new Promise((resolve) => {
    const s = createSocket("udp4").bind(0, "127.0.0.1", () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

/** True once something listens on the port (sipp is up). */
function listening(transport: "udp" | "tcp", port: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (transport === "tcp") {
      const c = connect({ host: "127.0.0.1", port }, () => {
        c.destroy();
        resolve(true);
      }).on("error", () => resolve(false));
      return;
    }
    const s = createSocket("udp4");
    s.once("error", () => resolve(true));
    s.bind(port, "127.0.0.1", () => s.close(() => resolve(false)));
  });
}

/**
 * Runs sipp as a phone (UAS) with a scenario from test/sip/, bound to 127.0.0.1 only, for one
 * call. `vars` become `-set name value` (the scenario reads them as [$name]).
 */
export async function startSipp(name: string, options: { transport?: "udp" | "tcp"; vars?: Record<string, string>; timeoutS?: number; port?: number } = {}): Promise<SippRun> {
  const transport = options.transport ?? "udp";
  const port = options.port ?? (await freePort(transport));
  const args = ["-sf", scenario(name), "-i", "127.0.0.1", "-mi", "127.0.0.1", "-p", String(port), "-t", transport === "tcp" ? "t1" : "u1"];
  args.push("-m", "1", "-timeout", `${options.timeoutS ?? 10}s`, "-timeout_error", "-nostdin", "-max_recv_loops", "100");
  for (const [k, v] of Object.entries(options.vars ?? {})) args.push("-set", k, v);
  const child = spawn("sipp", args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const done = new Promise<{ code: number | null; output: string }>((resolve) => child.on("exit", (code) => resolve({ code, output })));
  for (let i = 0; i < 100 && !(await listening(transport, port)); i++) await sleep(20);
  return { port, done, stop: () => child.kill("SIGKILL") };
}
