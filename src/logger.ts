import pino, { type Logger } from "pino";

/** JSON lines on stdout. Secrets never reach a log call; the redact list is a second guard. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { app: "phonehome" },
    redact: { paths: ["*.password", "*.sipPassword", "*.token", "req.headers.authorization"], censor: "[redacted]" },
  });
}
