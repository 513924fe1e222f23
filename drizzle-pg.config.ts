import type { Config } from "drizzle-kit";

// PostgreSQL: the tables derived from src/db/schema.ts (src/db/pg-schema.ts); `npm run db:generate:pg`.
export default {
  dialect: "postgresql",
  schema: "./src/db/pg-schema.ts",
  out: "./drizzle-pg",
} satisfies Config;
