CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`target` text NOT NULL,
	`tenant_id` integer,
	`mac` text,
	`extension` text,
	`before` text,
	`after` text,
	`outcome` text DEFAULT 'ok' NOT NULL,
	`detail` text
);
--> statement-breakpoint
CREATE INDEX `audit_log_at` ON `audit_log` (`at`);--> statement-breakpoint
CREATE INDEX `audit_log_mac` ON `audit_log` (`mac`);--> statement-breakpoint
CREATE INDEX `audit_log_actor` ON `audit_log` (`actor`);