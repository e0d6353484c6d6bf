import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { type JobRecord, type JobStatus, VodsrError, type WorkflowInput } from '@vodsr/core';
import type { ThroughputObservation } from '@vodsr/core/cost';
import type Database from 'libsql';
import type { JobPage, ListOptions } from '../types.js';

type Db = InstanceType<typeof Database>;

/** A job row as stored: the record plus the columns the service queries on. */
export interface StoredJob {
  readonly record: JobRecord;
  readonly owner: string | null;
  readonly cancelRequested: boolean;
  readonly specHash: string | null;
}

/** A new job for `JobStore.insert`. */
export interface NewJob {
  readonly record: JobRecord;
  readonly idempotencyKey?: string;
  readonly specHash: string;
  /** The execution input `prepareJob` built at submit: what the workflow runs, unchanged. */
  readonly input: WorkflowInput;
}

interface Pending {
  readonly job: NewJob;
  readonly resolve: (v: { record: JobRecord; created: boolean }) => void;
  readonly reject: (e: unknown) => void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  idem_key TEXT UNIQUE,
  spec_hash TEXT,
  status TEXT NOT NULL,
  owner TEXT,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  record TEXT NOT NULL,
  input TEXT
);
CREATE INDEX IF NOT EXISTS jobs_status_seq ON jobs(status, seq);
CREATE TABLE IF NOT EXISTS throughput_observations (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id TEXT NOT NULL UNIQUE,
  observation TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS workers (
  id TEXT PRIMARY KEY,
  pid INTEGER NOT NULL,
  host TEXT NOT NULL,
  started_at TEXT NOT NULL,
  heartbeat_at INTEGER NOT NULL
);
`;

function encodeCursor(seq: number): string {
  return Buffer.from(`s:${seq}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): number {
  const m = /^s:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m?.[1]) {
    throw new VodsrError('VODSR_VALIDATION', 'Invalid cursor', {
      details: { issues: [{ path: '/cursor', message: 'is not a cursor returned by this API' }] },
    });
  }
  return Number(m[1]);
}

function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The local backend's job table in an embedded SQL database file (libsql, WAL, `synchronous=FULL`).
 * Inserts are group-committed: every insert requested in the same event-loop turn goes into one transaction,
 * so each one is durable when its promise resolves while thousands per second share one fsync.
 */
export class JobStore {
  private pending: Pending[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly stmts;

  private constructor(private readonly db: Db) {
    this.stmts = {
      byId: db.prepare('SELECT record, owner, cancel_requested, spec_hash FROM jobs WHERE id = ?'),
      byKey: db.prepare('SELECT record, spec_hash FROM jobs WHERE idem_key = ?'),
      insert: db.prepare(
        'INSERT INTO jobs (id, idem_key, spec_hash, status, created_at, updated_at, record, input) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      inputById: db.prepare('SELECT input FROM jobs WHERE id = ?'),
      update: db.prepare(
        'UPDATE jobs SET status = ?, updated_at = ?, record = ?, owner = ?, cancel_requested = ? WHERE id = ?',
      ),
      nextQueued: db.prepare("SELECT id FROM jobs WHERE status = 'queued' ORDER BY seq LIMIT 1"),
      active: db.prepare("SELECT id, owner FROM jobs WHERE status IN ('running', 'upscaling', 'packaging')"),
      byStatus: db.prepare('SELECT id FROM jobs WHERE status = ? ORDER BY seq'),
      cancelRequested: db.prepare('SELECT id FROM jobs WHERE owner = ? AND cancel_requested = 1'),
      upsertWorker: db.prepare(
        'INSERT INTO workers (id, pid, host, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at',
      ),
      worker: db.prepare('SELECT pid, host, heartbeat_at FROM workers WHERE id = ?'),
      deleteWorker: db.prepare('DELETE FROM workers WHERE id = ?'),
      addObservation: db.prepare(
        'INSERT OR IGNORE INTO throughput_observations (job_id, observation) VALUES (?, ?)',
      ),
      observationsAfter: db.prepare(
        'SELECT seq, observation FROM throughput_observations WHERE seq > ? ORDER BY seq',
      ),
    };
  }

  /**
   * Opens (creating if needed) the database file.
   *
   * @example const store = await JobStore.open('.vodsr/jobs.db');
   */
  public static async open(path: string): Promise<JobStore> {
    const { default: Database } = await import('libsql');
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(SCHEMA);
    // databases made before jobs stored their prepared input
    const cols = db.prepare('PRAGMA table_info(jobs)').all() as Array<{ name: string }>;
    if (!cols.some((c) => c.name === 'input')) db.exec('ALTER TABLE jobs ADD COLUMN input TEXT');
    return new JobStore(db);
  }

  /** Inserts a job (group commit); with an idempotency key already stored, returns the stored job instead. */
  public insert(job: NewJob): Promise<{ record: JobRecord; created: boolean }> {
    if (this.closed) return Promise.reject(new VodsrError('VODSR_INTERNAL', 'The job store is closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ job, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const outcomes: Array<{ record: JobRecord; created: boolean } | VodsrError> = [];
    try {
      this.db
        .transaction(() => {
          for (const { job } of batch) outcomes.push(this.insertOne(job));
        })
        .immediate();
    } catch (e) {
      for (const p of batch) p.reject(e);
      return;
    }
    batch.forEach((p, i) => {
      const o = outcomes[i];
      if (o instanceof VodsrError || o === undefined) p.reject(o);
      else p.resolve(o);
    });
  }

  private insertOne(job: NewJob): { record: JobRecord; created: boolean } | VodsrError {
    const key = job.idempotencyKey;
    if (key !== undefined) {
      const row = this.stmts.byKey.get(key) as { record: string; spec_hash: string } | undefined;
      if (row) {
        if (row.spec_hash !== job.specHash) {
          return new VodsrError(
            'VODSR_CONFLICT',
            'This idempotency key was already used for a different job',
            { details: { idempotencyKey: key } },
          );
        }
        return { record: JSON.parse(row.record) as JobRecord, created: false };
      }
    }
    const r = job.record;
    const existing = this.getStored(r.id);
    if (existing) {
      // the same execution name twice (a redelivered event): done, like ExecutionAlreadyExists
      if (existing.specHash !== job.specHash) {
        return new VodsrError('VODSR_CONFLICT', `Job ${r.id} already exists with a different input`, {
          details: { id: r.id },
        });
      }
      return { record: existing.record, created: false };
    }
    this.stmts.insert.run(
      r.id,
      key ?? null,
      job.specHash,
      r.status,
      r.createdAt,
      r.updatedAt,
      JSON.stringify(r),
      JSON.stringify(job.input),
    );
    return { record: r, created: true };
  }

  /** One stored job, or undefined. */
  public getStored(id: string): StoredJob | undefined {
    const row = this.stmts.byId.get(id) as
      | { record: string; owner: string | null; cancel_requested: number; spec_hash: string | null }
      | undefined;
    if (!row) return undefined;
    return {
      record: JSON.parse(row.record) as JobRecord,
      owner: row.owner,
      cancelRequested: row.cancel_requested === 1,
      specHash: row.spec_hash,
    };
  }

  /** The execution input stored with a job (undefined for jobs stored before inputs were). */
  public getInput(id: string): WorkflowInput | undefined {
    const row = this.stmts.inputById.get(id) as { input: string | null } | undefined;
    return row?.input ? (JSON.parse(row.input) as WorkflowInput) : undefined;
  }

  /** One job record, or undefined. */
  public get(id: string): JobRecord | undefined {
    return this.getStored(id)?.record;
  }

  /** A page of jobs, newest first. */
  public list(opts: ListOptions = {}): JobPage {
    const limit = Math.min(100, Math.max(1, opts.limit ?? 20));
    const params: unknown[] = [];
    let where = '1 = 1';
    if (opts.cursor !== undefined) {
      where += ' AND seq < ?';
      params.push(decodeCursor(opts.cursor));
    }
    if (opts.status?.length) {
      where += ` AND status IN (${opts.status.map(() => '?').join(', ')})`;
      params.push(...opts.status);
    }
    params.push(limit + 1);
    const rows = this.db
      .prepare(`SELECT seq, record FROM jobs WHERE ${where} ORDER BY seq DESC LIMIT ?`)
      .all(...params) as Array<{ seq: number; record: string }>;
    const page = rows.slice(0, limit);
    const jobs = page.map((r) => JSON.parse(r.record) as JobRecord);
    const last = page[page.length - 1];
    return rows.length > limit && last ? { jobs, nextCursor: encodeCursor(last.seq) } : { jobs };
  }

  /**
   * Read-modify-write of one job in an immediate transaction. `fn` returns the new record (or undefined to leave
   * it); `owner`/`cancelRequested` change the columns when given.
   */
  public update(
    id: string,
    fn: (current: StoredJob) => JobRecord | undefined,
    cols: { owner?: string | null; cancelRequested?: boolean } = {},
  ): JobRecord | undefined {
    return this.db
      .transaction(() => {
        const cur = this.getStored(id);
        if (!cur) return undefined;
        const next = fn(cur);
        if (!next) return cur.record;
        const owner = cols.owner === undefined ? cur.owner : cols.owner;
        const cancel = cols.cancelRequested ?? cur.cancelRequested;
        this.stmts.update.run(next.status, next.updatedAt, JSON.stringify(next), owner, cancel ? 1 : 0, id);
        return next;
      })
      .immediate();
  }

  /** Ids of the oldest queued job (or undefined). */
  public nextQueuedId(): string | undefined {
    return (this.stmts.nextQueued.get() as { id: string } | undefined)?.id;
  }

  /** Ids of jobs in one status, oldest first. */
  public idsWithStatus(status: JobStatus): string[] {
    return (this.stmts.byStatus.all(status) as Array<{ id: string }>).map((r) => r.id);
  }

  /** Active jobs (running/upscaling/packaging) and the worker that owns each. */
  public activeJobs(): Array<{ id: string; owner: string | null }> {
    return (this.stmts.active.all() as Array<{ id: string; owner: string | null }>).map((r) => ({
      id: r.id,
      owner: r.owner,
    }));
  }

  /** Ids of jobs owned by `owner` that someone asked to cancel. */
  public cancelRequestedFor(owner: string): string[] {
    return (this.stmts.cancelRequested.all(owner) as Array<{ id: string }>).map((r) => r.id);
  }

  /** Registers or refreshes a worker's lease. */
  public heartbeat(workerId: string): void {
    this.stmts.upsertWorker.run(workerId, process.pid, hostname(), new Date().toISOString(), Date.now());
  }

  /** Removes a worker's lease (clean shutdown). */
  public removeWorker(workerId: string): void {
    this.stmts.deleteWorker.run(workerId);
  }

  /** True when the worker holds a fresh lease and (on this host) its process is alive. */
  public isWorkerAlive(workerId: string, leaseMs: number): boolean {
    const w = this.stmts.worker.get(workerId) as
      | { pid: number; host: string; heartbeat_at: number }
      | undefined;
    if (!w) return false;
    if (Date.now() - w.heartbeat_at > leaseMs) return false;
    if (w.host === hostname() && !isPidAlive(w.pid)) return false;
    return true;
  }

  /** Records what a succeeded job measured (once per job: a second call for the same job is ignored). */
  public addObservation(jobId: string, obs: ThroughputObservation): void {
    this.stmts.addObservation.run(jobId, JSON.stringify(obs));
  }

  /** Throughput observations stored after `seq` (0: all), oldest first, with the last seq read. */
  public observationsAfter(seq: number): { observations: ThroughputObservation[]; seq: number } {
    const rows = this.stmts.observationsAfter.all(seq) as Array<{ seq: number; observation: string }>;
    return {
      observations: rows.map((r) => JSON.parse(r.observation) as ThroughputObservation),
      seq: rows.at(-1)?.seq ?? seq,
    };
  }

  /** Closes the database after committing pending inserts. */
  public close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.db.close();
  }
}
