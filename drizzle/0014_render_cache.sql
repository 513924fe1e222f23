CREATE TABLE `config_generation` (
	`id` integer PRIMARY KEY NOT NULL,
	`gen` integer DEFAULT 0 NOT NULL,
	CONSTRAINT "config_generation_one_row" CHECK("config_generation"."id" = 1)
);
--> statement-breakpoint
INSERT INTO `config_generation` (`id`, `gen`) VALUES (1, 0);--> statement-breakpoint
CREATE TRIGGER `tenants_gen_insert` AFTER INSERT ON `tenants` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `tenants_gen_update` AFTER UPDATE ON `tenants` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `tenants_gen_delete` AFTER DELETE ON `tenants` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `extensions_gen_insert` AFTER INSERT ON `extensions` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `extensions_gen_update` AFTER UPDATE ON `extensions` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `extensions_gen_delete` AFTER DELETE ON `extensions` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `devices_gen_insert` AFTER INSERT ON `devices` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `devices_gen_update` AFTER UPDATE OF `id`, `mac`, `vendor`, `model`, `tenant_id`, `label`, `prov_username`, `prov_password_enc`, `admin_password_enc`, `created_at`, `updated_at`, `expansion_modules` ON `devices` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `devices_gen_delete` AFTER DELETE ON `devices` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `device_lines_gen_insert` AFTER INSERT ON `device_lines` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `device_lines_gen_update` AFTER UPDATE ON `device_lines` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `device_lines_gen_delete` AFTER DELETE ON `device_lines` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `device_keys_gen_insert` AFTER INSERT ON `device_keys` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `device_keys_gen_update` AFTER UPDATE ON `device_keys` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `device_keys_gen_delete` AFTER DELETE ON `device_keys` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `feature_codes_gen_insert` AFTER INSERT ON `feature_codes` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `feature_codes_gen_update` AFTER UPDATE ON `feature_codes` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `feature_codes_gen_delete` AFTER DELETE ON `feature_codes` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `device_event_secrets_gen_insert` AFTER INSERT ON `device_event_secrets` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `device_event_secrets_gen_update` AFTER UPDATE ON `device_event_secrets` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `device_event_secrets_gen_delete` AFTER DELETE ON `device_event_secrets` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `disabled_extensions_gen_insert` AFTER INSERT ON `disabled_extensions` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `disabled_extensions_gen_update` AFTER UPDATE ON `disabled_extensions` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `disabled_extensions_gen_delete` AFTER DELETE ON `disabled_extensions` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `device_config_keys_gen_insert` AFTER INSERT ON `device_config_keys` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `device_config_keys_gen_update` AFTER UPDATE ON `device_config_keys` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `device_config_keys_gen_delete` AFTER DELETE ON `device_config_keys` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `extension_settings_gen_insert` AFTER INSERT ON `extension_settings` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `extension_settings_gen_update` AFTER UPDATE ON `extension_settings` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `extension_settings_gen_delete` AFTER DELETE ON `extension_settings` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `extension_avatars_gen_insert` AFTER INSERT ON `extension_avatars` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `extension_avatars_gen_update` AFTER UPDATE ON `extension_avatars` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `extension_avatars_gen_delete` AFTER DELETE ON `extension_avatars` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `extension_phone_numbers_gen_insert` AFTER INSERT ON `extension_phone_numbers` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `extension_phone_numbers_gen_update` AFTER UPDATE ON `extension_phone_numbers` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `extension_phone_numbers_gen_delete` AFTER DELETE ON `extension_phone_numbers` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `extension_allowed_devices_gen_insert` AFTER INSERT ON `extension_allowed_devices` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `extension_allowed_devices_gen_update` AFTER UPDATE ON `extension_allowed_devices` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `extension_allowed_devices_gen_delete` AFTER DELETE ON `extension_allowed_devices` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `extension_groups_gen_insert` AFTER INSERT ON `extension_groups` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `extension_groups_gen_update` AFTER UPDATE ON `extension_groups` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `extension_groups_gen_delete` AFTER DELETE ON `extension_groups` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `extension_group_members_gen_insert` AFTER INSERT ON `extension_group_members` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `extension_group_members_gen_update` AFTER UPDATE ON `extension_group_members` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `extension_group_members_gen_delete` AFTER DELETE ON `extension_group_members` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `numbering_plans_gen_insert` AFTER INSERT ON `numbering_plans` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `numbering_plans_gen_update` AFTER UPDATE ON `numbering_plans` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `numbering_plans_gen_delete` AFTER DELETE ON `numbering_plans` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `key_layouts_gen_insert` AFTER INSERT ON `key_layouts` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `key_layouts_gen_update` AFTER UPDATE ON `key_layouts` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `key_layouts_gen_delete` AFTER DELETE ON `key_layouts` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `key_layout_keys_gen_insert` AFTER INSERT ON `key_layout_keys` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `key_layout_keys_gen_update` AFTER UPDATE ON `key_layout_keys` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `key_layout_keys_gen_delete` AFTER DELETE ON `key_layout_keys` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `device_key_layouts_gen_insert` AFTER INSERT ON `device_key_layouts` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `device_key_layouts_gen_update` AFTER UPDATE ON `device_key_layouts` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `device_key_layouts_gen_delete` AFTER DELETE ON `device_key_layouts` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `device_group_keys_gen_insert` AFTER INSERT ON `device_group_keys` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `device_group_keys_gen_update` AFTER UPDATE ON `device_group_keys` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `device_group_keys_gen_delete` AFTER DELETE ON `device_group_keys` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `firmware_images_gen_insert` AFTER INSERT ON `firmware_images` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `firmware_images_gen_update` AFTER UPDATE ON `firmware_images` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `firmware_images_gen_delete` AFTER DELETE ON `firmware_images` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `firmware_pins_gen_insert` AFTER INSERT ON `firmware_pins` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `firmware_pins_gen_update` AFTER UPDATE ON `firmware_pins` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;--> statement-breakpoint
CREATE TRIGGER `firmware_pins_gen_delete` AFTER DELETE ON `firmware_pins` BEGIN UPDATE `config_generation` SET `gen` = `gen` + 1 WHERE `id` = 1; END;
