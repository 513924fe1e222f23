/**
 * `phonehome export - | head`: once the reader has what it wants it closes the pipe, and the next
 * write fails with EPIPE (Node ignores SIGPIPE, so it becomes an 'error' event or a rejected
 * pipeline). That is the reader's choice, not a failure: stop quietly, with the exit code the command
 * had set so far. Whatever the command was writing to the database is one transaction, already done.
 */
const isClosedPipe = (err: unknown): boolean => (err as NodeJS.ErrnoException | null)?.code === "EPIPE";

export function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err) => {
      if (isClosedPipe(err)) process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
}

export { isClosedPipe };
