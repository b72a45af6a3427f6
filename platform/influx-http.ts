/**
 * The one InfluxDB surface that 1.x, 2.x (v1 compatibility + DBRP mapping) and 3.x all serve:
 * line protocol POSTed to `/write`, InfluxQL on `/query`. No client library's WriteApi: it only knows
 * `/api/v2/write` and drops points once its retries run out.
 */

export interface InfluxTarget {
  url: string;
  db: string;
  /** Sent as `Authorization: Token …` when set. */
  token?: string | undefined;
}

/** Why a write failed, classified by what the caller must do. */
export type InfluxWriteFailure =
  /** Network error, timeout, 5xx, 429: retry later, the data is fine. */
  | 'retryable'
  /** 4xx other than 429: the batch itself is refused (e.g. field type conflict); retrying will not help. */
  | 'rejected';

export class InfluxWriteError extends Error {
  override name = 'InfluxWriteError';
  readonly failure: InfluxWriteFailure;
  readonly status: number | undefined;
  constructor(failure: InfluxWriteFailure, message: string, status?: number) {
    super(message);
    this.failure = failure;
    this.status = status;
  }
}

export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

export interface InfluxHttp {
  /** POSTs line protocol (nanosecond precision). Throws InfluxWriteError. */
  write(lines: string, opts?: { timeoutMs?: number }): Promise<void>;
  /** Runs InfluxQL; returns the series of the first statement. Throws on HTTP or statement errors. */
  query(q: string, opts?: { timeoutMs?: number; db?: string }): Promise<InfluxSeries[]>;
  /** Runs a statement that changes state (CREATE DATABASE …) with POST. */
  exec(q: string): Promise<void>;
  /** True when `/ping` answers 204. */
  ping(timeoutMs?: number): Promise<boolean>;
  readonly target: InfluxTarget;
}

export function createInfluxHttp(target: InfluxTarget): InfluxHttp {
  const base = target.url.replace(/\/+$/, '');
  const headers = (extra: Record<string, string> = {}): Record<string, string> =>
    target.token ? { ...extra, Authorization: `Token ${target.token}` } : extra;

  async function write(lines: string, opts: { timeoutMs?: number } = {}): Promise<void> {
    const url = `${base}/write?db=${encodeURIComponent(target.db)}&precision=ns`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: headers({ 'Content-Type': 'text/plain; charset=utf-8' }),
        body: lines,
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new InfluxWriteError('retryable', `InfluxDB unreachable: ${(err as Error).message}`);
    }
    if (res.status === 204 || res.status === 200) {
      await res.body?.cancel();
      return;
    }
    const text = await res.text().catch(() => '');
    const failure: InfluxWriteFailure = res.status >= 500 || res.status === 429 || res.status === 404 ? 'retryable' : 'rejected';
    throw new InfluxWriteError(failure, `InfluxDB /write answered ${res.status}: ${text.slice(0, 500)}`, res.status);
  }

  async function runQuery(q: string, opts: { timeoutMs?: number; db?: string } = {}) {
    const params = new URLSearchParams({ q, db: opts.db ?? target.db, epoch: 'ms' });
    const res = await fetch(`${base}/query`, {
      method: 'POST',
      headers: headers({ 'Content-Type': 'application/x-www-form-urlencoded' }),
      body: params.toString(),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`InfluxDB /query answered ${res.status}: ${text.slice(0, 500)}`);
    const body = JSON.parse(text) as { results?: { error?: string; series?: InfluxSeries[] }[]; error?: string };
    if (body.error) throw new Error(`InfluxQL error: ${body.error}`);
    const first = body.results?.[0];
    if (first?.error) throw new Error(`InfluxQL error: ${first.error}`);
    return first?.series ?? [];
  }

  return {
    target,
    write,
    query: (q, opts) => runQuery(q, opts),
    exec: async (q) => {
      await runQuery(q);
    },
    async ping(timeoutMs = 1000) {
      try {
        const res = await fetch(`${base}/ping`, { headers: headers(), signal: AbortSignal.timeout(timeoutMs) });
        await res.body?.cancel();
        return res.status === 204 || res.status === 200;
      } catch {
        return false;
      }
    },
  };
}

/** Rows of a series as objects keyed by column name. */
export function seriesRows(series: InfluxSeries): Record<string, unknown>[] {
  return series.values.map((row) => Object.fromEntries(series.columns.map((c, i) => [c, row[i]])));
}
