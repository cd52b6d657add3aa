CREATE TABLE "message_changes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"dataset_id" uuid NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "message_changes_dataset_idx" ON "message_changes" USING btree ("dataset_id","id");--> statement-breakpoint
CREATE OR REPLACE FUNCTION "note_message_changes"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO "message_changes" ("dataset_id") SELECT DISTINCT "dataset_id" FROM old_rows;
  ELSE
    INSERT INTO "message_changes" ("dataset_id") SELECT DISTINCT "dataset_id" FROM new_rows;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "messages_note_insert" AFTER INSERT ON "messages" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "note_message_changes"();
--> statement-breakpoint
CREATE TRIGGER "messages_note_update" AFTER UPDATE ON "messages" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "note_message_changes"();
--> statement-breakpoint
CREATE TRIGGER "messages_note_delete" AFTER DELETE ON "messages" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "note_message_changes"();
