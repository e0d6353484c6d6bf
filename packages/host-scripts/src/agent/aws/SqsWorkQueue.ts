import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { ValidationError } from '@vodsr/core';
import type { WorkPriority } from '@vodsr/core/workflow';
import type { ReceivedWorkMessage, WorkQueuePort } from '../types.js';

/** Options of {@link SqsWorkQueue}. */
export interface SqsWorkQueueOptions {
  /** Queue URL per priority. */
  readonly queueUrls: Readonly<Partial<Record<WorkPriority, string>>>;
  /** A client, or the config of one. */
  readonly client?: SQSClient;
  readonly region?: string;
}

/**
 * The work queues on Amazon SQS: long-polling `ReceiveMessage` (with `ApproximateReceiveCount` and
 * `SentTimestamp`), `DeleteMessage`, `ChangeMessageVisibility`.
 *
 * @example
 * const queue = new SqsWorkQueue({ region: 'eu-west-1', queueUrls: { interactive: url1, bulk: url2 } });
 */
export class SqsWorkQueue implements WorkQueuePort {
  private readonly client: SQSClient;

  public constructor(private readonly opts: SqsWorkQueueOptions) {
    this.client = opts.client ?? new SQSClient(opts.region ? { region: opts.region } : {});
  }

  public async receive(
    priority: WorkPriority,
    o: { maxMessages: number; waitSeconds: number; signal?: AbortSignal },
  ): Promise<ReceivedWorkMessage[]> {
    const out = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.url(priority),
        MaxNumberOfMessages: o.maxMessages,
        WaitTimeSeconds: o.waitSeconds,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      }),
      o.signal ? { abortSignal: o.signal } : {},
    );
    return (out.Messages ?? []).flatMap((m) => {
      if (!m.ReceiptHandle || m.Body === undefined) return [];
      const sent = Number(m.Attributes?.SentTimestamp);
      return [
        {
          messageId: m.MessageId ?? '',
          body: m.Body,
          receiptHandle: m.ReceiptHandle,
          receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 1),
          ...(Number.isFinite(sent) ? { sentAt: sent } : {}),
        },
      ];
    });
  }

  public async delete(priority: WorkPriority, receiptHandle: string): Promise<void> {
    await this.client.send(
      new DeleteMessageCommand({ QueueUrl: this.url(priority), ReceiptHandle: receiptHandle }),
    );
  }

  public async changeVisibility(
    priority: WorkPriority,
    receiptHandle: string,
    seconds: number,
  ): Promise<void> {
    await this.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.url(priority),
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
  }

  private url(priority: WorkPriority): string {
    const u = this.opts.queueUrls[priority];
    if (!u)
      throw new ValidationError('agent configuration', [
        { path: `/queues/${priority}`, message: `no queue URL for priority ${priority}` },
      ]);
    return u;
  }
}
