CREATE TABLE `import_batch_devices` (
	`batch_id` integer NOT NULL,
	`device_id` integer NOT NULL,
	`mac` text NOT NULL,
	`action` text NOT NULL,
	`row` integer NOT NULL,
	PRIMARY KEY(`batch_id`, `device_id`),
	FOREIGN KEY (`batch_id`) REFERENCES `import_batches`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `import_batch_devices_device` ON `import_batch_devices` (`device_id`);--> statement-breakpoint
CREATE TABLE `import_batches` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`created_at` integer NOT NULL,
	`actor` text NOT NULL,
	`source` text NOT NULL,
	`file_name` text,
	`rows` integer NOT NULL,
	`created` integer NOT NULL,
	`updated` integer NOT NULL,
	`unchanged` integer NOT NULL
);
