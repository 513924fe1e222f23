CREATE TABLE `device_config_keys` (
	`device_id` integer PRIMARY KEY NOT NULL,
	`key_enc` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `fetch_log` ADD `auth_user` text;--> statement-breakpoint
ALTER TABLE `fetch_log` ADD `cert_subject` text;--> statement-breakpoint
ALTER TABLE `fetch_log` ADD `cert_serial` text;--> statement-breakpoint
ALTER TABLE `fetch_log` ADD `cert_failure` text;--> statement-breakpoint
ALTER TABLE `fetch_log` ADD `network_rule` text;--> statement-breakpoint
ALTER TABLE `fetch_log` ADD `credentials` text;--> statement-breakpoint
ALTER TABLE `fetch_log` ADD `encrypted` integer;--> statement-breakpoint
CREATE INDEX `fetch_log_source_at` ON `fetch_log` (`source_ip`,`at`);--> statement-breakpoint
ALTER TABLE `tenants` ADD `config_encryption` integer DEFAULT false NOT NULL;