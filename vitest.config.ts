import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    clearMocks: true,
    // Two cores on the CI machine: keep the worker pool small so socket tests are not starved.
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // Generous: CLI tests start real processes (tsx compiles on start); no test asserts on speed.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
