CREATE TABLE `hot_desk_pin_failures` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`device_id` integer NOT NULL,
	`extension_id` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `hot_desk_pin_failures_device` ON `hot_desk_pin_failures` (`device_id`,`at`);--> statement-breakpoint
CREATE INDEX `hot_desk_pin_failures_extension` ON `hot_desk_pin_failures` (`extension_id`,`at`);--> statement-breakpoint
CREATE TABLE `hot_desk_profiles` (
	`extension_id` integer PRIMARY KEY NOT NULL,
	`pin_enc` text,
	`layout_id` integer,
	FOREIGN KEY (`extension_id`) REFERENCES `extensions`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`layout_id`) REFERENCES `key_layouts`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE TABLE `hot_desk_rules` (
	`tenant_id` integer PRIMARY KEY NOT NULL,
	`sign_out_at` text,
	`max_hours` integer,
	`one_desk_per_person` integer DEFAULT true NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `hot_desks` (
	`device_id` integer PRIMARY KEY NOT NULL,
	`tenant_id` integer NOT NULL,
	`key_index` integer,
	`enabled_at` integer NOT NULL,
	`extension_id` integer,
	`signed_in_at` integer,
	`signed_in_via` text,
	`base_profile` text,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`extension_id`) REFERENCES `extensions`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `hot_desks_tenant` ON `hot_desks` (`tenant_id`);--> statement-breakpoint
CREATE INDEX `hot_desks_extension` ON `hot_desks` (`extension_id`);