// A small SQLite file written synchronously and durably: WAL, synchronous=FULL (each
// commit fsyncs, so a write that returned survives power loss), its tables created if
// missing. For the node's side records (node.db, invoices.db) and the tower's states —
// a few rows per operation, never per payment, so no group commit is needed.
import Database from 'better-sqlite3';

/** A column added to a table after the table first shipped: [table, column, type]. */
export type AddedColumn = readonly [string, string, string];

/** Open `path`, create `schema`'s tables, and add the `added` columns a file written before them lacks. */
export function openDurable(path: string, schema: string, added: readonly AddedColumn[] = []): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(schema);
  for (const [table, column, type] of added) {
    const has = (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).some((c) => c.name === column);
    if (!has) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
  }
  return db;
}
