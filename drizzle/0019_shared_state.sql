CREATE TABLE `digest_nonces` (
	`nonce` text PRIMARY KEY NOT NULL,
	`nc` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `digest_nonces_expires` ON `digest_nonces` (`expires_at`);--> statement-breakpoint
CREATE TABLE `job_leases` (
	`name` text PRIMARY KEY NOT NULL,
	`holder` text NOT NULL,
	`until` integer NOT NULL
);
