import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { D1Database } from "@cloudflare/workers-types";
import { unstable_splitSqlQuery as splitSqlQuery } from "wrangler";

/**
 * Applies the registry's migrations the way `wrangler d1 migrations apply` does, recording them in
 * the same `d1_migrations` table, so a local database can be managed by either.
 */
export async function applyMigrations(db: D1Database, directory: string): Promise<string[]> {
  await db
    .prepare(
      "CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
    )
    .run();
  const applied = new Set(
    (await db.prepare("SELECT name FROM d1_migrations").all<{ name: string }>()).results.map(
      (row) => row.name,
    ),
  );
  const files = (await readdir(directory)).filter((file) => file.endsWith(".sql")).sort();
  const newlyApplied: string[] = [];
  for (const file of files) {
    if (applied.has(file)) continue;
    const sql = await readFile(path.join(directory, file), "utf8");
    const statements = splitSqlQuery(sql).map((statement) => db.prepare(statement));
    statements.push(db.prepare("INSERT INTO d1_migrations (name) VALUES (?)").bind(file));
    await db.batch(statements);
    newlyApplied.push(file);
  }
  return newlyApplied;
}
