ALTER TABLE `extension_settings` ADD `third_party_sip_password_enc` text;--> statement-breakpoint
ALTER TABLE `extension_settings` ADD `voicemail_pin_enc` text;--> statement-breakpoint
-- The third-party password was sealed inside the allowed_endpoints JSON, where key rotation could not see it: move it out.
UPDATE `extension_settings` SET `third_party_sip_password_enc` = json_extract(`allowed_endpoints`, '$.thirdPartySoftphone.sipPasswordEnc'), `allowed_endpoints` = json_remove(`allowed_endpoints`, '$.thirdPartySoftphone.sipPasswordEnc');
--> statement-breakpoint
-- The voicemail PIN moves to voicemail_pin_enc: empty ones leave the JSON here; set ones are sealed at start (sealPlainVoicemailPins).
UPDATE `extension_settings` SET `voicemail` = json_remove(`voicemail`, '$.pin') WHERE json_type(`voicemail`, '$.pin') = 'null';
