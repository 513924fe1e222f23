-- The render cache's generation (src/provisioning/render-cache.ts), as drizzle/0014_render_cache.sql
-- does it on SQLite: one row, bumped by triggers on every write to a table in RENDER_INPUT_TABLES,
-- except an update of devices that sets only DEVICE_SEEN_COLUMNS (the fetch recorder's last-seen
-- columns). Per table: <table>_gen_insert, _gen_update, _gen_delete (the SQLite names) and
-- _gen_truncate (PostgreSQL's TRUNCATE fires no delete trigger). Statement-level with a transition
-- table, so that a statement bumps once however many rows it writes, and a statement that writes no
-- row does not bump (as the row-level SQLite triggers). devices' update trigger names its columns
-- (as on SQLite) and a column list rules out a transition table, so it is row-level.
INSERT INTO "config_generation" ("id", "gen") VALUES (1, 0);
--> statement-breakpoint
CREATE FUNCTION "config_generation_bump_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM "changed_rows") THEN
    UPDATE "config_generation" SET "gen" = "gen" + 1 WHERE "id" = 1;
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE FUNCTION "config_generation_bump"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "config_generation" SET "gen" = "gen" + 1 WHERE "id" = 1;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "tenants_gen_insert" AFTER INSERT ON "tenants" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "tenants_gen_update" AFTER UPDATE ON "tenants" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "tenants_gen_delete" AFTER DELETE ON "tenants" REFERENCING OLD TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "tenants_gen_truncate" AFTER TRUNCATE ON "tenants" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump"();
--> statement-breakpoint
CREATE TRIGGER "extensions_gen_insert" AFTER INSERT ON "extensions" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "extensions_gen_update" AFTER UPDATE ON "extensions" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "extensions_gen_delete" AFTER DELETE ON "extensions" REFERENCING OLD TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "extensions_gen_truncate" AFTER TRUNCATE ON "extensions" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump"();
--> statement-breakpoint
CREATE TRIGGER "devices_gen_insert" AFTER INSERT ON "devices" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "devices_gen_update" AFTER UPDATE OF "id", "mac", "vendor", "model", "tenant_id", "label", "prov_username", "prov_password_enc", "admin_password_enc", "created_at", "updated_at", "expansion_modules" ON "devices" FOR EACH ROW EXECUTE FUNCTION "config_generation_bump"();
--> statement-breakpoint
CREATE TRIGGER "devices_gen_delete" AFTER DELETE ON "devices" REFERENCING OLD TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "devices_gen_truncate" AFTER TRUNCATE ON "devices" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump"();
--> statement-breakpoint
CREATE TRIGGER "device_lines_gen_insert" AFTER INSERT ON "device_lines" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "device_lines_gen_update" AFTER UPDATE ON "device_lines" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "device_lines_gen_delete" AFTER DELETE ON "device_lines" REFERENCING OLD TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "device_lines_gen_truncate" AFTER TRUNCATE ON "device_lines" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump"();
--> statement-breakpoint
CREATE TRIGGER "device_keys_gen_insert" AFTER INSERT ON "device_keys" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "device_keys_gen_update" AFTER UPDATE ON "device_keys" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "device_keys_gen_delete" AFTER DELETE ON "device_keys" REFERENCING OLD TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "device_keys_gen_truncate" AFTER TRUNCATE ON "device_keys" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump"();
--> statement-breakpoint
CREATE TRIGGER "feature_codes_gen_insert" AFTER INSERT ON "feature_codes" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "feature_codes_gen_update" AFTER UPDATE ON "feature_codes" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "feature_codes_gen_delete" AFTER DELETE ON "feature_codes" REFERENCING OLD TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "feature_codes_gen_truncate" AFTER TRUNCATE ON "feature_codes" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump"();
--> statement-breakpoint
CREATE TRIGGER "device_event_secrets_gen_insert" AFTER INSERT ON "device_event_secrets" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "device_event_secrets_gen_update" AFTER UPDATE ON "device_event_secrets" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "device_event_secrets_gen_delete" AFTER DELETE ON "device_event_secrets" REFERENCING OLD TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "device_event_secrets_gen_truncate" AFTER TRUNCATE ON "device_event_secrets" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump"();
--> statement-breakpoint
CREATE TRIGGER "disabled_extensions_gen_insert" AFTER INSERT ON "disabled_extensions" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "disabled_extensions_gen_update" AFTER UPDATE ON "disabled_extensions" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "disabled_extensions_gen_delete" AFTER DELETE ON "disabled_extensions" REFERENCING OLD TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "disabled_extensions_gen_truncate" AFTER TRUNCATE ON "disabled_extensions" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump"();
--> statement-breakpoint
CREATE TRIGGER "device_config_keys_gen_insert" AFTER INSERT ON "device_config_keys" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "device_config_keys_gen_update" AFTER UPDATE ON "device_config_keys" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "device_config_keys_gen_delete" AFTER DELETE ON "device_config_keys" REFERENCING OLD TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "device_config_keys_gen_truncate" AFTER TRUNCATE ON "device_config_keys" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump"();
--> statement-breakpoint
CREATE TRIGGER "extension_settings_gen_insert" AFTER INSERT ON "extension_settings" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "extension_settings_gen_update" AFTER UPDATE ON "extension_settings" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "extension_settings_gen_delete" AFTER DELETE ON "extension_settings" REFERENCING OLD TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "extension_settings_gen_truncate" AFTER TRUNCATE ON "extension_settings" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump"();
--> statement-breakpoint
CREATE TRIGGER "extension_avatars_gen_insert" AFTER INSERT ON "extension_avatars" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "extension_avatars_gen_update" AFTER UPDATE ON "extension_avatars" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "extension_avatars_gen_delete" AFTER DELETE ON "extension_avatars" REFERENCING OLD TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "extension_avatars_gen_truncate" AFTER TRUNCATE ON "extension_avatars" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump"();
--> statement-breakpoint
CREATE TRIGGER "extension_phone_numbers_gen_insert" AFTER INSERT ON "extension_phone_numbers" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "extension_phone_numbers_gen_update" AFTER UPDATE ON "extension_phone_numbers" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "extension_phone_numbers_gen_delete" AFTER DELETE ON "extension_phone_numbers" REFERENCING OLD TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "extension_phone_numbers_gen_truncate" AFTER TRUNCATE ON "extension_phone_numbers" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump"();
--> statement-breakpoint
CREATE TRIGGER "extension_allowed_devices_gen_insert" AFTER INSERT ON "extension_allowed_devices" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "extension_allowed_devices_gen_update" AFTER UPDATE ON "extension_allowed_devices" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "extension_allowed_devices_gen_delete" AFTER DELETE ON "extension_allowed_devices" REFERENCING OLD TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "extension_allowed_devices_gen_truncate" AFTER TRUNCATE ON "extension_allowed_devices" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump"();
--> statement-breakpoint
CREATE TRIGGER "extension_groups_gen_insert" AFTER INSERT ON "extension_groups" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "extension_groups_gen_update" AFTER UPDATE ON "extension_groups" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "extension_groups_gen_delete" AFTER DELETE ON "extension_groups" REFERENCING OLD TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "extension_groups_gen_truncate" AFTER TRUNCATE ON "extension_groups" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump"();
--> statement-breakpoint
CREATE TRIGGER "extension_group_members_gen_insert" AFTER INSERT ON "extension_group_members" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "extension_group_members_gen_update" AFTER UPDATE ON "extension_group_members" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "extension_group_members_gen_delete" AFTER DELETE ON "extension_group_members" REFERENCING OLD TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "extension_group_members_gen_truncate" AFTER TRUNCATE ON "extension_group_members" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump"();
--> statement-breakpoint
CREATE TRIGGER "numbering_plans_gen_insert" AFTER INSERT ON "numbering_plans" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "numbering_plans_gen_update" AFTER UPDATE ON "numbering_plans" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "numbering_plans_gen_delete" AFTER DELETE ON "numbering_plans" REFERENCING OLD TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "numbering_plans_gen_truncate" AFTER TRUNCATE ON "numbering_plans" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump"();
--> statement-breakpoint
CREATE TRIGGER "key_layouts_gen_insert" AFTER INSERT ON "key_layouts" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "key_layouts_gen_update" AFTER UPDATE ON "key_layouts" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "key_layouts_gen_delete" AFTER DELETE ON "key_layouts" REFERENCING OLD TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "key_layouts_gen_truncate" AFTER TRUNCATE ON "key_layouts" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump"();
--> statement-breakpoint
CREATE TRIGGER "key_layout_keys_gen_insert" AFTER INSERT ON "key_layout_keys" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "key_layout_keys_gen_update" AFTER UPDATE ON "key_layout_keys" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "key_layout_keys_gen_delete" AFTER DELETE ON "key_layout_keys" REFERENCING OLD TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "key_layout_keys_gen_truncate" AFTER TRUNCATE ON "key_layout_keys" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump"();
--> statement-breakpoint
CREATE TRIGGER "device_key_layouts_gen_insert" AFTER INSERT ON "device_key_layouts" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "device_key_layouts_gen_update" AFTER UPDATE ON "device_key_layouts" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "device_key_layouts_gen_delete" AFTER DELETE ON "device_key_layouts" REFERENCING OLD TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "device_key_layouts_gen_truncate" AFTER TRUNCATE ON "device_key_layouts" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump"();
--> statement-breakpoint
CREATE TRIGGER "device_group_keys_gen_insert" AFTER INSERT ON "device_group_keys" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "device_group_keys_gen_update" AFTER UPDATE ON "device_group_keys" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "device_group_keys_gen_delete" AFTER DELETE ON "device_group_keys" REFERENCING OLD TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "device_group_keys_gen_truncate" AFTER TRUNCATE ON "device_group_keys" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump"();
--> statement-breakpoint
CREATE TRIGGER "firmware_images_gen_insert" AFTER INSERT ON "firmware_images" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "firmware_images_gen_update" AFTER UPDATE ON "firmware_images" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "firmware_images_gen_delete" AFTER DELETE ON "firmware_images" REFERENCING OLD TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "firmware_images_gen_truncate" AFTER TRUNCATE ON "firmware_images" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump"();
--> statement-breakpoint
CREATE TRIGGER "firmware_pins_gen_insert" AFTER INSERT ON "firmware_pins" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "firmware_pins_gen_update" AFTER UPDATE ON "firmware_pins" REFERENCING NEW TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "firmware_pins_gen_delete" AFTER DELETE ON "firmware_pins" REFERENCING OLD TABLE AS "changed_rows" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump_changed"();
--> statement-breakpoint
CREATE TRIGGER "firmware_pins_gen_truncate" AFTER TRUNCATE ON "firmware_pins" FOR EACH STATEMENT EXECUTE FUNCTION "config_generation_bump"();
