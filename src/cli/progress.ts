import { writeSync } from "node:fs";

/**
 * Progress on stderr: a redrawn bar on a terminal, plain lines otherwise (logs and CI keep every
 * line, so those are printed only every 10%). Written with writeSync: the import's write phase is
 * one synchronous transaction, during which an async stream would not flush.
 */
export interface Progress {
  /** `ratio` 0..1 of the phase, `text` what is done (`12,000 rows`). */
  update(phase: string, ratio: number, text: string): void;
  done(): void;
}

const WIDTH = 30;

export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = stream.isTTY === true;
  const fd = (stream as unknown as { fd?: number }).fd ?? 2;
  let lastStep = new Map<string, number>();
  let drawn = false;
  const write = (text: string) => writeSync(fd, text);
  return {
    update(phase, ratioIn, text) {
      const ratio = Math.max(0, Math.min(1, ratioIn));
      const pct = Math.floor(ratio * 100);
      if (tty) {
        const filled = Math.round(ratio * WIDTH);
        write(`\r${phase.padEnd(9)} [${"#".repeat(filled)}${".".repeat(WIDTH - filled)}] ${String(pct).padStart(3)}% ${text}\x1b[K`);
        drawn = true;
        return;
      }
      const step = Math.floor(pct / 10);
      if ((lastStep.get(phase) ?? -1) >= step) return;
      lastStep.set(phase, step);
      write(`${phase}: ${text} (${pct}%)\n`);
    },
    done() {
      if (drawn) write("\n");
      drawn = false;
      lastStep = new Map();
    },
  };
}
