// SQLite WAL checkpointer (a worker thread started by sqlite.ts with its own connection). A
// PASSIVE checkpoint every 200 ms never waits for, or blocks, the readers and writers of other
// connections, and is nearly free when the WAL has nothing new. Plain JavaScript so that Node
// runs it as it is, from the sources and from the package.

import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or closing: the next tick (or the writer's auto-checkpoint backstop) catches up.
  }
}, 200);

parentPort?.once('message', () => {
  clearInterval(timer);
  db.close();
  process.exit(0);
});
