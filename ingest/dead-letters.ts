/**
 * Readings ingest refused, kept with their raw bytes so an operator can see exactly what a device sent and
 * replay it after a fix. SQLite (node:sqlite); the store creates its own table. Bounded: each insert deletes
 * rows beyond the newest `limit` in the same transaction, so a misbehaving fleet cannot fill the disk.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { Issue, RejectionCode } from '../contracts/device-errors.ts';
import { transaction } from '../platform/sqlite.ts';

/** Device rejection codes, plus STORE_REJECTED: valid reading that InfluxDB refused (HTTP 4xx, e.g. field type conflict). */
export type DeadLetterCode = RejectionCode | 'STORE_REJECTED';

/** Raw payloads above this are stored truncated (the configured MAX_PAYLOAD_BYTES is far below it). */
export const MAX_STORED_PAYLOAD_BYTES = 64 * 1024;
/**
 * Of a TOO_LARGE payload only the first bytes are kept (its size is in `payloadBytes`): past the limit the bytes are
 * evidence of nothing but their size, and storing them all would turn a flood of oversized messages into disk
 * traffic that slows every spool fdatasync (issue 6).
 */
export const TOO_LARGE_KEPT_BYTES = 1024;

export interface DeadLetter {
  id: number;
  /** ISO-8601 UTC time ingest received the message. */
  receivedAt: string;
  /** null when the topic named no valid device id */
  deviceId: string | null;
  topic: string;
  code: DeadLetterCode;
  message: string;
  issues: Issue[];
  /** base64 of the raw bytes, truncated to MAX_STORED_PAYLOAD_BYTES (TOO_LARGE: TOO_LARGE_KEPT_BYTES) */
  payload: string;
  /** size of the original payload in bytes (more than the stored bytes when truncated) */
  payloadBytes: number;
}

export interface NewDeadLetter {
  receivedAtMs: number;
  deviceId: string | null;
  topic: string;
  code: DeadLetterCode;
  message: string;
  issues: Issue[];
  /** the raw bytes as received; the store truncates and encodes them */
  payload: Uint8Array;
}

export interface DeadLetterQuery {
  deviceId?: string;
  code?: string;
  /** rows returned, newest first; default 100, at most 1000 */
  limit?: number;
  /** page backwards: only rows with a smaller id */
  beforeId?: number;
}

export interface DeadLetterStore {
  add(entry: NewDeadLetter): void;
  /** Several rows in one transaction (one commit instead of one per row: a flood of refusals stays cheap). */
  addMany(entries: readonly NewDeadLetter[]): void;
  list(q?: DeadLetterQuery): DeadLetter[];
  count(): number;
  /** One row with its raw bytes (as stored: possibly truncated, see `payloadBytes`). */
  get(id: number): (DeadLetter & { raw: Uint8Array }) | undefined;
  /** Deletes one row (after a replay decided it again). */
  remove(id: number): void;
}

interface Row {
  id: number;
  received_at: string;
  device_id: string | null;
  topic: string;
  code: string;
  message: string;
  issues: string;
  payload: Uint8Array;
  payload_bytes: number;
}

const toDeadLetter = (r: Row): DeadLetter => ({
  id: r.id,
  receivedAt: r.received_at,
  deviceId: r.device_id,
  topic: r.topic,
  code: r.code as DeadLetterCode,
  message: r.message,
  issues: JSON.parse(r.issues) as Issue[],
  payload: Buffer.from(r.payload).toString('base64'),
  payloadBytes: r.payload_bytes,
});

export function createDeadLetterStore(db: DatabaseSync, opts: { limit: number }): DeadLetterStore {
  const limit = Math.max(1, Math.floor(opts.limit));
  db.exec(`
    CREATE TABLE IF NOT EXISTS ingest_dead_letters (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      received_at TEXT NOT NULL,
      device_id TEXT,
      topic TEXT NOT NULL,
      code TEXT NOT NULL,
      message TEXT NOT NULL,
      issues TEXT NOT NULL,
      payload BLOB NOT NULL,
      payload_bytes INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS ingest_dead_letters_device ON ingest_dead_letters (device_id, id);
    CREATE INDEX IF NOT EXISTS ingest_dead_letters_code ON ingest_dead_letters (code, id);
  `);
  const insert = db.prepare(
    `INSERT INTO ingest_dead_letters (received_at, device_id, topic, code, message, issues, payload, payload_bytes)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  // Ids only grow (AUTOINCREMENT), so "newest `limit` rows" is "id above the limit-th largest".
  const trim = db.prepare(
    `DELETE FROM ingest_dead_letters
     WHERE id <= (SELECT id FROM ingest_dead_letters ORDER BY id DESC LIMIT 1 OFFSET ?)`,
  );
  const countRows = db.prepare('SELECT COUNT(*) AS n FROM ingest_dead_letters');
  const selectOne = db.prepare('SELECT * FROM ingest_dead_letters WHERE id = ?');
  const deleteOne = db.prepare('DELETE FROM ingest_dead_letters WHERE id = ?');

  const insertOne = (entry: NewDeadLetter) =>
    insert.run(
      new Date(entry.receivedAtMs).toISOString(),
      entry.deviceId,
      entry.topic,
      entry.code,
      entry.message,
      JSON.stringify(entry.issues),
      entry.payload.subarray(0, entry.code === 'TOO_LARGE' ? TOO_LARGE_KEPT_BYTES : MAX_STORED_PAYLOAD_BYTES),
      entry.payload.byteLength,
    );

  return {
    add(entry) {
      transaction(db, () => {
        insertOne(entry);
        trim.run(limit);
      });
    },
    addMany(entries) {
      if (entries.length === 0) return;
      transaction(db, () => {
        for (const entry of entries.slice(-limit)) insertOne(entry);
        trim.run(limit);
      });
    },
    list(q = {}) {
      const where: string[] = [];
      const params: (string | number)[] = [];
      const filter = (clause: string, value: string | number | undefined) => {
        if (value === undefined) return;
        where.push(clause);
        params.push(value);
      };
      filter('device_id = ?', q.deviceId);
      filter('code = ?', q.code);
      filter('id < ?', q.beforeId);
      const limitRows = Math.min(1000, Math.max(1, Math.floor(q.limit ?? 100)));
      const sql =
        'SELECT * FROM ingest_dead_letters' +
        (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
        ' ORDER BY id DESC LIMIT ?';
      const rows = db.prepare(sql).all(...params, limitRows) as unknown as Row[];
      return rows.map(toDeadLetter);
    },
    get(id) {
      const r = selectOne.get(id) as unknown as Row | undefined;
      return r ? { ...toDeadLetter(r), raw: new Uint8Array(r.payload) } : undefined;
    },
    remove(id) {
      deleteOne.run(id);
    },
    count() {
      return (countRows.get() as { n: number }).n;
    },
  };
}
