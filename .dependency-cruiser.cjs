/**
 * Import rules checked by `npm run lint` (dependency-cruiser). Type-only imports are erased by
 * TypeScript and are not followed (tsPreCompilationDeps: false): a cycle here is one that runs.
 */
module.exports = {
  forbidden: [
    {
      name: "no-value-cycle",
      severity: "error",
      comment: "A value-level import cycle: module initialisation order decides what is undefined. Extract the shared part into its own module.",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: false,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js", ".mjs"] },
  },
};
