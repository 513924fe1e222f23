CREATE TABLE `served_files` (
	`device_id` integer NOT NULL,
	`file_name` text NOT NULL,
	`content_hash` text NOT NULL,
	`body_enc` text NOT NULL,
	`served_at` integer NOT NULL,
	PRIMARY KEY(`device_id`, `file_name`),
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE cascade
);
