import { ERROR_CODES, type ErrorCode, isVodsrError, type JobRecord, VodsrError } from '@vodsr/core';
import type { FleetStatus } from '@vodsr/core/workflow';
import { type EventSourceMessage, EventSourceParserStream } from 'eventsource-parser/stream';
import { JobStreamDecoder, type JobStreamEvent } from '../jobStream.js';
import type {
  JobEvent,
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

  public async retry(id: string): Promise<SubmitResult> {
    const res = await this.request('POST', `/v1/jobs/${encodeURIComponent(id)}/retry`);
    return { job: (await res.json()) as JobRecord, created: res.status === 201 };
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
        // SSE framing (fields, multi-line data, comments, CR/LF, BOM): eventsource-parser
        const events = res.body
          .pipeThrough(new TextDecoderStream())
          .pipeThrough(new EventSourceParserStream({ onError: 'terminate' }));
        const decoder = new JobStreamDecoder();
        try {
          for await (const msg of events as unknown as AsyncIterable<EventSourceMessage>) {
            const e = parseStreamEvent(msg);
            if (e?.event === 'error') throw new VodsrError(errorCode(e.data.code), e.data.message);
            for (const ev of e ? decoder.next(e) : []) {
              yield ev;
              if (ev.type === 'end') return;
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

/** A job stream event of one parsed server-sent event (undefined for events of other names). */
export function parseStreamEvent(msg: EventSourceMessage): JobStreamEvent | undefined {
  if (msg.event !== 'job' && msg.event !== 'progress' && msg.event !== 'error') return undefined;
  return { event: msg.event, data: JSON.parse(msg.data) } as JobStreamEvent;
}

function errorCode(code: unknown): ErrorCode {
  return (typeof code === 'string' && code in ERROR_CODES ? code : 'VODSR_INTERNAL') as ErrorCode;
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
