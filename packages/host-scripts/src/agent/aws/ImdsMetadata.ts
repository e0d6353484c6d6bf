import { VodsrError } from '@vodsr/core';
import type { InstanceMetadataPort, SpotInterruption } from '../types.js';

/** Options of {@link ImdsMetadata}. */
export interface ImdsMetadataOptions {
  /** @default 'http://169.254.169.254' */
  readonly endpoint?: string;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Per-request timeout. @default 2000 */
  readonly timeoutMs?: number;
}

const TOKEN_TTL_SECONDS = 21_600;

/**
 * The instance metadata service, IMDSv2 only (a session token from `PUT /latest/api/token`, refreshed before it
 * expires or when IMDS answers 401): the instance id, `spot/instance-action` (404 = no notice) and
 * `autoscaling/target-lifecycle-state` (404 = not in a group).
 *
 * @example const imds = new ImdsMetadata(); await imds.targetLifecycleState(); // 'InService'
 */
export class ImdsMetadata implements InstanceMetadataPort {
  private token: { value: string; until: number } | undefined;
  private readonly endpoint: string;
  private readonly fetchFn: typeof fetch;

  public constructor(private readonly opts: ImdsMetadataOptions = {}) {
    this.endpoint = (opts.endpoint ?? 'http://169.254.169.254').replace(/\/+$/, '');
    this.fetchFn = opts.fetch ?? globalThis.fetch;
  }

  public async instanceId(): Promise<string> {
    const v = await this.get('instance-id');
    if (v === undefined) throw new VodsrError('VODSR_AWS_ERROR', 'IMDS has no instance-id');
    return v.trim();
  }

  public async spotInterruption(): Promise<SpotInterruption | undefined> {
    const v = await this.get('spot/instance-action');
    if (v === undefined) return undefined;
    try {
      const j = JSON.parse(v) as { action?: unknown; time?: unknown };
      return { action: String(j.action ?? 'terminate'), time: String(j.time ?? '') };
    } catch {
      return { action: 'terminate', time: '' };
    }
  }

  public async targetLifecycleState(): Promise<string | undefined> {
    return (await this.get('autoscaling/target-lifecycle-state'))?.trim();
  }

  private async get(path: string, retried = false): Promise<string | undefined> {
    const token = await this.sessionToken();
    const res = await this.fetchFn(`${this.endpoint}/latest/meta-data/${path}`, {
      headers: { 'X-aws-ec2-metadata-token': token },
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 2000),
    });
    if (res.status === 404) return undefined;
    if (res.status === 401 && !retried) {
      this.token = undefined;
      return this.get(path, true);
    }
    if (!res.ok) throw new VodsrError('VODSR_AWS_ERROR', `IMDS ${path}: HTTP ${res.status}`);
    return res.text();
  }

  private async sessionToken(): Promise<string> {
    if (this.token && this.token.until > Date.now()) return this.token.value;
    const res = await this.fetchFn(`${this.endpoint}/latest/api/token`, {
      method: 'PUT',
      headers: { 'X-aws-ec2-metadata-token-ttl-seconds': String(TOKEN_TTL_SECONDS) },
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 2000),
    });
    if (!res.ok) throw new VodsrError('VODSR_AWS_ERROR', `IMDSv2 token: HTTP ${res.status}`);
    const value = await res.text();
    this.token = { value, until: Date.now() + (TOKEN_TTL_SECONDS - 60) * 1000 };
    return value;
  }
}
