import { execFile } from "node:child_process";

export interface CurlResult {
  readonly status: number;
  readonly headers: string;
  readonly body: string;
}

/**
 * Runs the real curl client. `-w` appends the final status on its own line, so a Digest exchange
 * (401 then 200) reports the status of the last response.
 */
export function curl(args: readonly string[]): Promise<CurlResult> {
  return new Promise((resolve, reject) => {
    execFile(
      "curl",
      // -I prints the headers itself; -D - as well would print every header twice.
      ["-sS", "--max-time", "10", ...(args.includes("-I") ? [] : ["-D", "-"]), "-w", "\n%{http_code}", ...args],
      { maxBuffer: 16 * 1024 * 1024, encoding: "utf8" },
      (err, stdout) => {
        if (err && !stdout) return reject(err);
        const end = stdout.lastIndexOf("\n");
        const status = Number(stdout.slice(end + 1));
        const text = stdout.slice(0, end);
        // With --digest curl prints the headers of both responses; the last block is the final one.
        const blocks = text.split(/\r\n\r\n/);
        let i = 0;
        while (i < blocks.length - 1 && /^HTTP\/[\d.]+ /.test(blocks[i + 1] ?? "")) i++;
        resolve({ status, headers: blocks.slice(0, i + 1).join("\r\n\r\n"), body: blocks.slice(i + 1).join("\r\n\r\n") });
      },
    );
  });
}
