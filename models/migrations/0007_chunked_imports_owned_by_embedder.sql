CREATE TABLE "chunked_imports" (
	"import_id" uuid PRIMARY KEY NOT NULL,
	"dataset_id" uuid NOT NULL,
	"chunked_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "chunked_imports" ADD CONSTRAINT "chunked_imports_import_id_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."imports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chunked_imports" ADD CONSTRAINT "chunked_imports_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "chunked_imports_dataset_idx" ON "chunked_imports" USING btree ("dataset_id");--> statement-breakpoint
-- What the embedder had marked on ingest's table moves to its own (an import that added nothing needs no mark).
INSERT INTO "chunked_imports" ("import_id", "dataset_id", "chunked_at")
  SELECT "id", "dataset_id", "chunked_at" FROM "imports" WHERE "chunked_at" IS NOT NULL AND "messages_added" > 0;--> statement-breakpoint
ALTER TABLE "imports" DROP COLUMN "chunked_at";