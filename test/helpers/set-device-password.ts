/**
 * A second process writing to a server's data directory: gives a device a new provisioning
 * password (sealed with the data directory's key) and prints it.
 *
 *   node --import tsx test/helpers/set-device-password.ts DATA_DIR SECRET_KEY_FILE MAC
 */
import { eq } from "drizzle-orm";
import { loadConfig } from "../../src/config.ts";
import { writeTransaction } from "../../src/db/client.ts";
import { devices } from "../../src/db/schema.ts";
import { createLogger } from "../../src/logger.ts";
import { createRuntime } from "../../src/runtime.ts";
import { randomPassword } from "../../src/secrets.ts";

const [dataDir, secretKeyFile, mac] = process.argv.slice(2);
const rt = createRuntime(loadConfig({ dataDir, secretKeyFile }, {}), createLogger("silent"));
const password = randomPassword();
writeTransaction(rt.db, (tx) => tx.update(devices).set({ provPasswordEnc: rt.secrets.seal(password) }).where(eq(devices.mac, mac!)).run());
rt.close();
process.stdout.write(password);
