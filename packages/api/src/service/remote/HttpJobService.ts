import { type ErrorCode, isFinalStatus, isVodsrError, type JobRecord, VodsrError } from '@vodsr/core';
import type { FleetStatus } from '@vodsr/core/workflow';
import type {
  JobEvent,
  JobEventType,
  JobPage,
  JobService,
  ListOptions,
  SubmitOptions,
  SubmitResult,
  WatchOptions,
} from '../types.js';

/** Options of the remote backend. */
export interface HttpJobServiceOptions {
  /** The API's base URL, e.g. `http://127.0.0.1:8080`. */
  readonly baseUrl: string;
  /** Bearer token. */
  readonly token?: string;
  /** A fetch implementation (tests inject one). @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/**
 * The job service of a remote vodsr API (what `vodsr --api URL` uses): the same interface, over HTTP. API problems
 * come back as the same coded `VodsrError`s (code, message, validation issues).
 *
 * @example const jobs = new HttpJobService({ baseUrl: 'http://127.0.0.1:8080', token });
 */
export class HttpJobService implements JobService {
  public readonly backend = 'remote' as const;
  private readonly base: string;
  private readonly doFetch: typeof fetch;

  public constructor(private readonly opts: HttpJobServiceOptions) {
    let u: URL;
    try {
      u = new URL(opts.baseUrl);
    } catch {
      throw new VodsrError('VODSR_VALIDATION', `Invalid API URL: ${JSON.stringify(opts.baseUrl)}`, {
        details: { issues: [{ path: '/api', message: 'must be an http(s) URL' }] },
      });
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      throw new VodsrError('VODSR_VALIDATION', `Invalid API URL: ${opts.baseUrl}`, {
        details: { issues: [{ path: '/api', message: 'must be an http(s) URL' }] },
      });
    }
    this.base = opts.baseUrl.replace(/\/+$/, '');
    this.doFetch = opts.fetch ?? globalThis.fetch;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.opts.token ? { authorization: `Bearer ${this.opts.token}`, ...extra } : extra;
  }

  private async request(method: string, path: string, body?: unknown, extra: Record<string, string> = {}) {
    let res: Response;
    try {
      res = await this.doFetch(`${this.base}${path}`, {
        method,
        headers: this.headers(body === undefined ? extra : { 'content-type': 'application/json', ...extra }),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (e) {
      throw new VodsrError(
        'VODSR_INTERNAL',
        `Cannot reach the vodsr API at ${this.base}: ${(e as Error).message}`,
        {
          cause: e,
        },
      );
    }
    if (!res.ok) throw await problemError(res);
    return res;
  }

  public async submit(input: unknown, opts: SubmitOptions = {}): Promise<SubmitResult> {
    const res = await this.request(
      'POST',
      '/v1/jobs',
      input,
      opts.idempotencyKey ? { 'idempotency-key': opts.idempotencyKey } : {},
    );
    return { job: (await res.json()) as JobRecord, created: res.status === 201 };
  }

  public async get(id: string): Promise<JobRecord> {
    return (await (await this.request('GET', `/v1/jobs/${encodeURIComponent(id)}`)).json()) as JobRecord;
  }

  /** `GET /v1/fleet`; undefined when the server runs no fleet (404). */
  public async fleetStatus(): Promise<FleetStatus | undefined> {
    try {
      return (await (await this.request('GET', '/v1/fleet')).json()) as FleetStatus;
    } catch (e) {
      if (isVodsrError(e) && e.code === 'VODSR_NOT_FOUND') return undefined;
      throw e;
    }
  }

  public async list(opts: ListOptions = {}): Promise<JobPage> {
    const q = new URLSearchParams();
    if (opts.limit !== undefined) q.set('limit', String(opts.limit));
    if (opts.cursor) q.set('cursor', opts.cursor);
    if (opts.status?.length) q.set('status', opts.status.join(','));
    const qs = q.toString();
    return (await (await this.request('GET', `/v1/jobs${qs ? `?${qs}` : ''}`)).json()) as JobPage;
  }

  public async cancel(id: string): Promise<JobRecord> {
    return (await (
      await this.request('POST', `/v1/jobs/${encodeURIComponent(id)}/cancel`)
    ).json()) as JobRecord;
  }

  public watch(id: string, opts: WatchOptions = {}): AsyncIterable<JobEvent> {
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        const res = await self.doFetch(`${self.base}/v1/jobs/${encodeURIComponent(id)}/events`, {
          headers: self.headers({ accept: 'text/event-stream' }),
          ...(opts.signal ? { signal: opts.signal } : {}),
        });
        if (!res.ok) throw await problemError(res);
        if (!res.body) return;
        const decoder = new TextDecoder();
        let buf = '';
        try {
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
            buf += decoder.decode(chunk, { stream: true });
            let i = buf.indexOf('\n\n');
            while (i !== -1) {
              const block = buf.slice(0, i);
              buf = buf.slice(i + 2);
              i = buf.indexOf('\n\n');
              const ev = parseSseBlock(block);
              if (!ev) continue;
              yield ev;
              if (ev.type === 'end' || isFinalStatus(ev.job.status)) return;
            }
          }
        } catch (e) {
          if (opts.signal?.aborted) return;
          throw e;
        }
      },
    };
  }

  public async close(): Promise<void> {}
}

/** Parses one server-sent event block into a job event (undefined for comments and other events). */
export function parseSseBlock(block: string): JobEvent | undefined {
  let type = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) type = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  if (!['snapshot', 'status', 'progress', 'end'].includes(type) || data.length === 0) return undefined;
  return { type: type as JobEventType, job: JSON.parse(data.join('\n')) as JobRecord };
}

async function problemError(res: Response): Promise<VodsrError> {
  let body: { code?: string; detail?: string; issues?: unknown; details?: unknown } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    // not JSON
  }
  const code = (
    typeof body.code === 'string' && body.code.startsWith('VODSR_') ? body.code : 'VODSR_INTERNAL'
  ) as ErrorCode;
  const details = body.issues !== undefined ? { issues: body.issues } : body.details;
  const err = new VodsrError(code, body.detail ?? `HTTP ${res.status}`, {
    ...(details !== undefined ? { details } : {}),
  });
  Object.defineProperty(err, 'status', { value: res.status });
  return err;
}
