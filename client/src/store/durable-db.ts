// A small SQLite file written synchronously and durably: WAL, synchronous=FULL (each
// commit fsyncs, so a write that returned survives power loss), its tables created if
// missing. For the node's side records (node.db, invoices.db) and the tower's states —
// a few rows per operation, never per payment, so no group commit is needed.
import Database from 'better-sqlite3';

export function openDurable(path: string, schema: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(schema);
  return db;
}
