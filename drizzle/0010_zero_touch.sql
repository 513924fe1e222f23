CREATE TABLE `bootstrap_windows` (
	`device_id` integer PRIMARY KEY NOT NULL,
	`tenant_id` integer NOT NULL,
	`source_ip` text NOT NULL,
	`opened_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`opened_by` text NOT NULL,
	`reason` text NOT NULL,
	`files_served` integer DEFAULT 0 NOT NULL,
	`closed_at` integer,
	`closed_reason` text,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `tenants` ADD `zero_touch` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `tenants` ADD `zero_touch_window_seconds` integer DEFAULT 600 NOT NULL;