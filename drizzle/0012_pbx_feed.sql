CREATE TABLE `pbx_deliveries` (
	`event_id` integer NOT NULL,
	`webhook_id` integer NOT NULL,
	`extension_key` text NOT NULL,
	`state` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`lease_until` integer,
	`last_status` integer,
	`last_error` text,
	`delivered_at` integer,
	PRIMARY KEY(`event_id`, `webhook_id`),
	FOREIGN KEY (`event_id`) REFERENCES `pbx_events`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`webhook_id`) REFERENCES `pbx_webhooks`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `pbx_deliveries_due` ON `pbx_deliveries` (`state`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `pbx_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` integer NOT NULL,
	`extension_key` text NOT NULL,
	`type` text NOT NULL,
	`payload` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `pbx_events_extension` ON `pbx_events` (`extension_key`,`id`);--> statement-breakpoint
CREATE TABLE `pbx_webhooks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`url` text NOT NULL,
	`secret_enc` text NOT NULL,
	`tenants` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pbx_webhooks_name_unique` ON `pbx_webhooks` (`name`);--> statement-breakpoint
ALTER TABLE `api_tokens` ADD `tenant_scope` text;