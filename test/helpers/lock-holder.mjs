// A second process that holds the database's write lock (BEGIN IMMEDIATE) until it reads a line on
// stdin, as a long CLI import would. Prints "locked" once it holds the lock.
import Database from "better-sqlite3";

const db = new Database(process.argv[2], { timeout: 10_000 });
db.exec("BEGIN IMMEDIATE");
process.stdout.write("locked\n");
process.stdin.once("data", () => {
  db.exec("ROLLBACK");
  db.close();
  process.exit(0);
});
