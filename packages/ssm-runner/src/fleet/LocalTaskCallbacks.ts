import { randomBytes } from 'node:crypto';
import { VodsrError } from '@vodsr/core';
import type { TaskCallbacksPort } from '@vodsr/host-scripts';

/**
 * The error a local task callback fails with; its `name` is Step Functions' own (`TaskTimedOut`: answered,
 * timed out or closed; `TaskDoesNotExist`: never issued), so agents treat it exactly as on AWS.
 */
export class LocalTaskTokenError extends VodsrError {
  public constructor(name: 'TaskTimedOut' | 'TaskDoesNotExist', message: string) {
    super('VODSR_CONFLICT', message);
    this.name = name;
  }
}

interface Pending {
  resolve: (output: unknown) => void;
  reject: (e: Error) => void;
}

/**
 * Local task tokens (the twin of `.waitForTaskToken` callbacks): {@link LocalTaskCallbacks.open} issues a fresh
 * token and a promise of its answer; `sendTaskSuccess` / `sendTaskFailure` answer it once; a token answered,
 * closed or unknown fails like Step Functions (`TaskTimedOut`, `TaskDoesNotExist`).
 *
 * @example
 * const { token, result } = callbacks.open();
 * await callbacks.sendTaskSuccess(token, { instanceId: 'local-1', slot: 0, lease: 'l-abcdefgh' });
 * await result; // the placement
 */
export class LocalTaskCallbacks implements TaskCallbacksPort {
  private readonly pending = new Map<string, Pending>();
  private readonly closed = new Set<string>();

  /** Issues a token; `result` settles with its answer (a failure rejects with an Error named by the error). */
  public open(): { token: string; result: Promise<unknown> } {
    const token = `local-token-${randomBytes(16).toString('hex')}`;
    const result = new Promise<unknown>((resolve, reject) => this.pending.set(token, { resolve, reject }));
    result.catch(() => undefined);
    return { token, result };
  }

  /** Closes a token without an answer (the task timed out or the execution ended). */
  public close(token: string, reason: Error): void {
    const p = this.pending.get(token);
    if (!p) return;
    this.pending.delete(token);
    this.closed.add(token);
    p.reject(reason);
  }

  /** Tokens waiting for an answer. */
  public get waiting(): number {
    return this.pending.size;
  }

  public async sendTaskSuccess(taskToken: string, output: unknown): Promise<void> {
    this.answer(taskToken).resolve(JSON.parse(JSON.stringify(output)));
  }

  public async sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void> {
    // The task fails with the agent's error as Step Functions reports it: its name is the error (e.g. VODSR_HOST_LOST).
    const e = new VodsrError('VODSR_HOST_FAILED', cause, { details: { error } });
    e.name = error;
    this.answer(taskToken).reject(e);
  }

  private answer(token: string): Pending {
    const p = this.pending.get(token);
    if (!p) {
      if (this.closed.has(token))
        throw new LocalTaskTokenError('TaskTimedOut', 'Task Timed Out: the token was answered or closed');
      throw new LocalTaskTokenError('TaskDoesNotExist', 'Task does not exist: unknown token');
    }
    this.pending.delete(token);
    this.closed.add(token);
    return p;
  }
}
