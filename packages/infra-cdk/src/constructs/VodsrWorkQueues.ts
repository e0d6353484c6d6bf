import { ValidationError, type ValidationIssue } from '@vodsr/core';
import { WORK_PRIORITIES, type WorkPriority } from '@vodsr/core/workflow';
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { AnyPrincipal, Effect, type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** SQS's longest message retention (14 days): a job's message must never outlive its waiting task. */
export const WORK_QUEUE_RETENTION_DAYS = 14;

/** Default visibility timeout of the work queues: an agent answers within seconds; a dead one's message comes back. */
export const DEFAULT_WORK_QUEUE_VISIBILITY_SECONDS = 90;

/** Default receives before a message goes to its dead-letter queue (a poison message, or hosts dying on it). */
export const DEFAULT_WORK_QUEUE_MAX_RECEIVE_COUNT = 5;

/** The actions a host agent needs on a work queue: take a message, give it back early, delete it once answered. */
export const WORK_QUEUE_CONSUMER_ACTIONS = [
  'sqs:ReceiveMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:DeleteMessage',
] as const;

/** Props of `VodsrWorkQueues`. */
export interface VodsrWorkQueuesProps {
  /**
   * Seconds a received message stays invisible. The agent answers (SendTaskSuccess) and deletes it within seconds;
   * a message whose host died before answering reappears after this, for another host. 30..900. @default 90
   */
  readonly visibilityTimeoutSeconds?: number;
  /** Receives before a message moves to the dead-letter queue (1..20). @default 5 */
  readonly maxReceiveCount?: number;
}

/**
 * The two work queues of pull admission (DESIGN "Catalogue scale: hosts pull"): `interactive` (uploads, API jobs)
 * and `bulk` (backfills). `AcquireHost` puts one message per waiting job (`sqs:sendMessage.waitForTaskToken`);
 * host agents take them only while a GPU slot is free. Each queue: SSE-SQS encryption, TLS only, 14-day retention,
 * long polling, a dead-letter queue (with an alarm on its depth). Call `allowSendOnlyBy` and `allowConsumeOnlyBy`
 * once each: they grant the identity policy AND deny everybody else in the queue policy.
 *
 * Why SSE-SQS and not a customer-managed KMS key: a message holds a job id and a task token (no media, no
 * credentials); SSE-SQS encrypts at rest with no key policy to keep in sync, no `kms:*` permission on the workflow
 * or host roles, no per-request KMS calls or throttling, and no key cost. A KMS key would add audit of each decrypt
 * in CloudTrail, which the task tokens do not need (they are also in the execution history).
 *
 * @example
 * const queues = new VodsrWorkQueues(this, 'Queues');
 * queues.allowSendOnlyBy(workflowRole); queues.allowConsumeOnlyBy(hostRole);
 */
export class VodsrWorkQueues extends Construct {
  /** Uploads and API jobs: agents poll it first. */
  public readonly interactive: Queue;
  /** Backfills: taken only when the interactive queue is empty. */
  public readonly bulk: Queue;
  /** Dead-letter queue of each work queue. */
  public readonly deadLetterQueues: Readonly<Record<WorkPriority, Queue>>;
  /** An alarm per dead-letter queue: a message there is a job that waits for a host that will never take it. */
  public readonly deadLetterAlarms: Readonly<Record<WorkPriority, Alarm>>;
  /** The visibility timeout, in seconds. */
  public readonly visibilityTimeoutSeconds: number;
  private sender: IRole | undefined;
  private consumer: IRole | undefined;

  public constructor(scope: Construct, id: string, props: VodsrWorkQueuesProps = {}) {
    super(scope, id);
    const issues: ValidationIssue[] = [];
    const visibility = props.visibilityTimeoutSeconds ?? DEFAULT_WORK_QUEUE_VISIBILITY_SECONDS;
    if (!Number.isInteger(visibility) || visibility < 30 || visibility > 900)
      issues.push({ path: '/visibilityTimeoutSeconds', message: 'must be an integer from 30 to 900' });
    const maxReceiveCount = props.maxReceiveCount ?? DEFAULT_WORK_QUEUE_MAX_RECEIVE_COUNT;
    if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 20)
      issues.push({ path: '/maxReceiveCount', message: 'must be an integer from 1 to 20' });
    if (issues.length) throw new ValidationError('VodsrWorkQueues props', issues);
    this.visibilityTimeoutSeconds = visibility;

    const retentionPeriod = Duration.days(WORK_QUEUE_RETENTION_DAYS);
    const dlqs = {} as Record<WorkPriority, Queue>;
    const alarms = {} as Record<WorkPriority, Alarm>;
    const queues = {} as Record<WorkPriority, Queue>;
    for (const priority of WORK_PRIORITIES) {
      const name = priority === 'interactive' ? 'Interactive' : 'Bulk';
      const dlq = new Queue(this, `${name}DeadLetters`, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod,
      });
      dlqs[priority] = dlq;
      alarms[priority] = new Alarm(this, `${name}DeadLettersAlarm`, {
        alarmDescription: `vodsr: a ${priority} work-queue message reached its dead-letter queue. Its job waits in AcquireHost until the re-queue timeout: fail it with VODSR_HOST_LOST (the token is in the message) to place it again at once.`,
        metric: dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      queues[priority] = new Queue(this, name, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod,
        visibilityTimeout: Duration.seconds(visibility),
        receiveMessageWaitTime: Duration.seconds(20),
        deadLetterQueue: { queue: dlq, maxReceiveCount },
      });
    }
    this.interactive = queues.interactive;
    this.bulk = queues.bulk;
    this.deadLetterQueues = dlqs;
    this.deadLetterAlarms = alarms;
  }

  /** Both work queues, in the order agents poll them. */
  public get queues(): readonly Queue[] {
    return [this.interactive, this.bulk];
  }

  /**
   * Lets `role` (the workflow's) send to both work queues, and denies `sqs:SendMessage` on them to every other
   * principal in the queue policy. Call once.
   */
  public allowSendOnlyBy(role: IRole): void {
    if (this.sender)
      throw new ValidationError('work queues', [
        { path: '/sender', message: 'allowSendOnlyBy was already called' },
      ]);
    this.sender = role;
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'QueueJobsForHosts',
        actions: ['sqs:SendMessage'],
        resources: this.queues.map((q) => q.queueArn),
      }),
    );
    for (const q of this.queues) {
      q.addToResourcePolicy(
        new PolicyStatement({
          sid: 'OnlyTheWorkflowSends',
          effect: Effect.DENY,
          principals: [new AnyPrincipal()],
          actions: ['sqs:SendMessage'],
          resources: [q.queueArn],
          conditions: { ArnNotEquals: { 'aws:PrincipalArn': role.roleArn } },
        }),
      );
    }
  }

  /**
   * Lets `role` (the hosts') receive, return and delete messages of both work queues, and denies those actions to
   * every other principal in the queue policy. Call once.
   */
  public allowConsumeOnlyBy(role: IRole): void {
    if (this.consumer)
      throw new ValidationError('work queues', [
        { path: '/consumer', message: 'allowConsumeOnlyBy was already called' },
      ]);
    this.consumer = role;
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'TakeQueuedJobs',
        actions: [...WORK_QUEUE_CONSUMER_ACTIONS],
        resources: this.queues.map((q) => q.queueArn),
      }),
    );
    for (const q of this.queues) {
      q.addToResourcePolicy(
        new PolicyStatement({
          sid: 'OnlyHostsConsume',
          effect: Effect.DENY,
          principals: [new AnyPrincipal()],
          actions: [...WORK_QUEUE_CONSUMER_ACTIONS],
          resources: [q.queueArn],
          conditions: { ArnNotEquals: { 'aws:PrincipalArn': role.roleArn } },
        }),
      );
    }
  }
}
