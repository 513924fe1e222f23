CREATE TABLE "digest_nonces" (
	"nonce" text PRIMARY KEY NOT NULL,
	"nc" bigint NOT NULL,
	"expires_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "job_leases" (
	"name" text PRIMARY KEY NOT NULL,
	"holder" text NOT NULL,
	"until" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "digest_nonces_expires" ON "digest_nonces" USING btree ("expires_at");