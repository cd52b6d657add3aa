ALTER TABLE "imports" ADD COLUMN "chunked_at" timestamp with time zone;--> statement-breakpoint
-- Imports that ended before this column existed were chunked long ago (or never will be): none may hold a version back.
UPDATE "imports" SET "chunked_at" = coalesce("finished_at", now()) WHERE "status" <> 'queued' AND "status" <> 'running';
