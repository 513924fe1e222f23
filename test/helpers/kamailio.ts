import { spawn, type ChildProcess } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface RunningKamailio {
  readonly output: () => string;
  stop(): Promise<void>;
}

/**
 * Runs Kamailio in the foreground (`-DD -E`: no daemon, logs to stderr) with a configuration file
 * written to `dir`; resolves once its SIP port answers. `stop` kills it and waits for the exit.
 */
export async function startKamailio(dir: string, cfg: string, ready: () => Promise<boolean>): Promise<RunningKamailio> {
  const file = join(dir, "kamailio.cfg");
  writeFileSync(file, cfg);
  mkdirSync(join(dir, "run"), { recursive: true });
  // Its own process group: stop() ends Kamailio's main process and every worker it forked.
  const child: ChildProcess = spawn("kamailio", ["-DD", "-E", "-f", file, "-P", join(dir, "kamailio.pid"), "-Y", join(dir, "run"), "-m", "32", "-M", "8"], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`kamailio exited: ${output}`);
    if (await ready()) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.pid) process.kill(-child.pid, "SIGKILL");
      await exited;
    },
  };
}

/** True once a SIP server on 127.0.0.1:`port` answers an OPTIONS (Kamailio is up). */
export function sipAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket("udp4");
    const done = (v: boolean) => {
      clearTimeout(t);
      s.close();
      resolve(v);
    };
    const t = setTimeout(() => done(false), 200);
    s.on("message", (m) => done(m.toString().startsWith("SIP/2.0 200")));
    s.on("error", () => done(false));
    s.bind(0, "127.0.0.1", () => {
      const lp = s.address().port;
      const msg = [
        "OPTIONS sip:ping@127.0.0.1 SIP/2.0",
        `Via: SIP/2.0/UDP 127.0.0.1:${lp};branch=z9hG4bK-${Date.now()}`,
        "Max-Forwards: 70",
        `From: <sip:ping@127.0.0.1>;tag=p${lp}`,
        "To: <sip:ping@127.0.0.1>",
        `Call-ID: ping-${lp}-${Date.now()}`,
        "CSeq: 1 OPTIONS",
        "Content-Length: 0",
        "",
        "",
      ].join("\r\n");
      s.send(msg, port, "127.0.0.1");
    });
  });
}
