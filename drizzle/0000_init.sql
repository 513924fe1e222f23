CREATE TABLE `api_tokens` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_token_hash_unique` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE TABLE `device_keys` (
	`device_id` integer NOT NULL,
	`key_index` integer NOT NULL,
	`kind` text NOT NULL,
	`label` text,
	`line_index` integer DEFAULT 1 NOT NULL,
	`target_extension_id` integer,
	`value` text,
	PRIMARY KEY(`device_id`, `key_index`),
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`target_extension_id`) REFERENCES `extensions`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE INDEX `device_keys_target` ON `device_keys` (`target_extension_id`);--> statement-breakpoint
CREATE TABLE `device_lines` (
	`device_id` integer NOT NULL,
	`line_index` integer NOT NULL,
	`extension_id` integer NOT NULL,
	PRIMARY KEY(`device_id`, `line_index`),
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`extension_id`) REFERENCES `extensions`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE INDEX `device_lines_extension` ON `device_lines` (`extension_id`);--> statement-breakpoint
CREATE TABLE `devices` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`mac` text NOT NULL,
	`vendor` text NOT NULL,
	`model` text NOT NULL,
	`tenant_id` integer NOT NULL,
	`label` text,
	`prov_username` text NOT NULL,
	`prov_password_enc` text NOT NULL,
	`admin_password_enc` text NOT NULL,
	`last_seen_at` integer,
	`last_ip` text,
	`last_user_agent` text,
	`last_firmware` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE restrict,
	CONSTRAINT "devices_mac_form" CHECK(length("devices"."mac") = 12)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `devices_mac_unique` ON `devices` (`mac`);--> statement-breakpoint
CREATE INDEX `devices_tenant` ON `devices` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `discovered_devices` (
	`mac` text PRIMARY KEY NOT NULL,
	`vendor` text,
	`model` text,
	`firmware` text,
	`user_agent` text,
	`last_file` text NOT NULL,
	`source_ip` text NOT NULL,
	`transport` text NOT NULL,
	`request_count` integer DEFAULT 1 NOT NULL,
	`first_seen_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`dismissed_at` integer
);
--> statement-breakpoint
CREATE TABLE `extensions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` integer NOT NULL,
	`number` text NOT NULL,
	`display_name` text NOT NULL,
	`sip_user` text NOT NULL,
	`auth_user` text NOT NULL,
	`sip_password_enc` text NOT NULL,
	`voicemail_number` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `extensions_tenant_number` ON `extensions` (`tenant_id`,`number`);--> statement-breakpoint
CREATE TABLE `feature_codes` (
	`tenant_id` integer NOT NULL,
	`name` text NOT NULL,
	`code` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `name`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `fetch_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`transport` text NOT NULL,
	`source_ip` text NOT NULL,
	`file_name` text NOT NULL,
	`mac` text,
	`device_id` integer,
	`tenant_id` integer,
	`user_agent` text,
	`outcome` text NOT NULL,
	`status` integer NOT NULL,
	`auth_method` text,
	`config_hash` text,
	`bytes` integer
);
--> statement-breakpoint
CREATE INDEX `fetch_log_mac_at` ON `fetch_log` (`mac`,`at`);--> statement-breakpoint
CREATE INDEX `fetch_log_at` ON `fetch_log` (`at`);--> statement-breakpoint
CREATE TABLE `tenants` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`sip_domain` text NOT NULL,
	`sip_server_host` text NOT NULL,
	`sip_server_port` integer DEFAULT 5060 NOT NULL,
	`sip_transport` text DEFAULT 'udp' NOT NULL,
	`outbound_proxy_host` text,
	`outbound_proxy_port` integer,
	`register_expires` integer DEFAULT 3600 NOT NULL,
	`time_zone` text DEFAULT 'UTC' NOT NULL,
	`ntp_servers` text DEFAULT '["pool.ntp.org"]' NOT NULL,
	`provisioning_base_url` text,
	`resync_minutes` integer DEFAULT 1440 NOT NULL,
	`auth_mode` text DEFAULT 'credentials' NOT NULL,
	`allowed_networks` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tenants_name_unique` ON `tenants` (`name`);