CREATE TABLE `device_event_secrets` (
	`device_id` integer PRIMARY KEY NOT NULL,
	`secret_enc` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `disabled_extensions` (
	`extension_id` integer PRIMARY KEY NOT NULL,
	`disabled_at` integer NOT NULL,
	`request_id` integer,
	FOREIGN KEY (`extension_id`) REFERENCES `extensions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `force_unregister_devices` (
	`request_id` integer NOT NULL,
	`device_id` integer NOT NULL,
	`mac` text NOT NULL,
	`state` text NOT NULL,
	`files` text NOT NULL,
	`notify` text,
	`notify_detail` text,
	`confirmed_at` integer,
	PRIMARY KEY(`request_id`, `device_id`),
	FOREIGN KEY (`request_id`) REFERENCES `force_unregisters`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `force_unregisters` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` integer NOT NULL,
	`extension_id` integer,
	`extension` text NOT NULL,
	`mode` text NOT NULL,
	`state` text NOT NULL,
	`actor` text NOT NULL,
	`created_at` integer NOT NULL,
	`deadline_at` integer NOT NULL,
	`finished_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`extension_id`) REFERENCES `extensions`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `force_unregisters_state` ON `force_unregisters` (`state`);--> statement-breakpoint
CREATE TABLE `registrations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` integer NOT NULL,
	`extension_id` integer NOT NULL,
	`device_id` integer,
	`binding_key` text NOT NULL,
	`state` text NOT NULL,
	`contact` text,
	`source` text,
	`user_agent` text,
	`since` integer NOT NULL,
	`expires_at` integer,
	`last_event` text NOT NULL,
	`last_event_source` text NOT NULL,
	`last_event_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`extension_id`) REFERENCES `extensions`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `registrations_binding` ON `registrations` (`extension_id`,`binding_key`);--> statement-breakpoint
CREATE INDEX `registrations_device` ON `registrations` (`device_id`);