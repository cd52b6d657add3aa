import { defineConfig } from "drizzle-kit";

// Migrations are generated from models/schema.ts and applied at start-up on PGlite and PostgreSQL alike.
export default defineConfig({
  dialect: "postgresql",
  schema: "./models/schema.ts",
  out: "./models/migrations",
});
