CREATE TABLE `device_group_keys` (
	`device_id` integer NOT NULL,
	`key_index` integer NOT NULL,
	`group_id` integer NOT NULL,
	`label` text,
	`line_index` integer DEFAULT 1 NOT NULL,
	PRIMARY KEY(`device_id`, `key_index`),
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`group_id`) REFERENCES `extension_groups`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE TABLE `device_key_layouts` (
	`device_id` integer PRIMARY KEY NOT NULL,
	`layout_id` integer NOT NULL,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`layout_id`) REFERENCES `key_layouts`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE TABLE `extension_allowed_devices` (
	`extension_id` integer NOT NULL,
	`device_id` integer NOT NULL,
	PRIMARY KEY(`extension_id`, `device_id`),
	FOREIGN KEY (`extension_id`) REFERENCES `extensions`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `extension_avatars` (
	`extension_id` integer PRIMARY KEY NOT NULL,
	`content_type` text NOT NULL,
	`data` text NOT NULL,
	FOREIGN KEY (`extension_id`) REFERENCES `extensions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `extension_group_members` (
	`group_id` integer NOT NULL,
	`extension_id` integer NOT NULL,
	PRIMARY KEY(`group_id`, `extension_id`),
	FOREIGN KEY (`group_id`) REFERENCES `extension_groups`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`extension_id`) REFERENCES `extensions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `extension_group_members_ext` ON `extension_group_members` (`extension_id`);--> statement-breakpoint
CREATE TABLE `extension_groups` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` integer NOT NULL,
	`name` text NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `extension_groups_tenant_name` ON `extension_groups` (`tenant_id`,`name`);--> statement-breakpoint
CREATE TABLE `extension_phone_numbers` (
	`tenant_id` integer NOT NULL,
	`phone_number` text NOT NULL,
	`extension_id` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `phone_number`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`extension_id`) REFERENCES `extensions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `extension_phone_numbers_ext` ON `extension_phone_numbers` (`extension_id`);--> statement-breakpoint
CREATE TABLE `extension_settings` (
	`extension_id` integer PRIMARY KEY NOT NULL,
	`tenant_id` integer NOT NULL,
	`username` text NOT NULL,
	`profile` text NOT NULL,
	`number_settings` text NOT NULL,
	`allowed_endpoints` text NOT NULL,
	`voicemail` text NOT NULL,
	`call_waiting` text NOT NULL,
	`monitoring` text NOT NULL,
	`forwarding` text NOT NULL,
	FOREIGN KEY (`extension_id`) REFERENCES `extensions`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `extension_settings_tenant_username` ON `extension_settings` (`tenant_id`,`username`);--> statement-breakpoint
CREATE TABLE `key_layout_keys` (
	`layout_id` integer NOT NULL,
	`key_index` integer NOT NULL,
	`kind` text NOT NULL,
	`label` text,
	`line_index` integer DEFAULT 1 NOT NULL,
	`target_extension_id` integer,
	`target_group_id` integer,
	`value` text,
	PRIMARY KEY(`layout_id`, `key_index`),
	FOREIGN KEY (`layout_id`) REFERENCES `key_layouts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`target_extension_id`) REFERENCES `extensions`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`target_group_id`) REFERENCES `extension_groups`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE TABLE `key_layouts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` integer NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `key_layouts_tenant_name` ON `key_layouts` (`tenant_id`,`name`);--> statement-breakpoint
CREATE TABLE `numbering_plans` (
	`tenant_id` integer PRIMARY KEY NOT NULL,
	`restricted` text NOT NULL,
	`recommended` text NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
