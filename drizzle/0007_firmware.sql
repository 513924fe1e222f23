CREATE TABLE `firmware_images` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`vendor` text NOT NULL,
	`version` text NOT NULL,
	`models` text NOT NULL,
	`original_name` text NOT NULL,
	`file_name` text NOT NULL,
	`size` integer NOT NULL,
	`sha256` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `firmware_images_file_name_unique` ON `firmware_images` (`file_name`);--> statement-breakpoint
CREATE INDEX `firmware_images_vendor_version` ON `firmware_images` (`vendor`,`version`);--> statement-breakpoint
CREATE TABLE `firmware_pins` (
	`tenant_id` integer NOT NULL,
	`vendor` text NOT NULL,
	`model` text NOT NULL,
	`firmware_id` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `vendor`, `model`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`firmware_id`) REFERENCES `firmware_images`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE INDEX `firmware_pins_image` ON `firmware_pins` (`firmware_id`);