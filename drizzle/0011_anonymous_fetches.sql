ALTER TABLE `fetch_log` ADD `anon_key` text;--> statement-breakpoint
ALTER TABLE `fetch_log` ADD `count` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `fetch_log` ADD `last_at` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `fetch_log_anon_key` ON `fetch_log` (`anon_key`);