import { afterAll, beforeAll } from "vitest";
import { startTestPostgres, type TestPostgres } from "./postgres-server.ts";

export { startTestPostgres, type TestPostgres } from "./postgres-server.ts";

/** For a test file: the server starts before its tests and is stopped after them, failed or not. */
export function usePostgres(): { createDatabase(): Promise<string> } {
  let server: TestPostgres | undefined;
  beforeAll(async () => {
    server = await startTestPostgres();
  });
  afterAll(async () => {
    await server?.close();
  });
  return {
    createDatabase: () => {
      if (!server) throw new Error("usePostgres(): the server is not started yet (call createDatabase inside a test or hook)");
      return server.createDatabase();
    },
  };
}
