import { WORKFLOW_DETAIL_TYPES, WORKFLOW_EVENT_SOURCE } from '@vodsr/core/workflow';
import { Aws } from 'aws-cdk-lib';
import { EventBus, type IEventBus, type IRuleTarget, Rule } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

/** Props of `VodsrNotifications`. */
export interface VodsrNotificationsProps {
  /** The bus the workflow emits `vodsr.job.*` events on. @default the account's default bus */
  readonly eventBus?: IEventBus;
  /** Email addresses subscribed to the topic (each must confirm). @default none */
  readonly emails?: readonly string[];
  /**
   * KMS key of the topic. It must allow `events.amazonaws.com` to use it (AWS-managed `alias/aws/sns` does not).
   * @default no server-side encryption (the events carry job ids and locations, no secrets)
   */
  readonly masterKey?: IKey;
}

/** Job notifications: an EventBridge rule on `vodsr.job.succeeded` / `vodsr.job.failed` → an SNS topic (TLS only). */
export class VodsrNotifications extends Construct {
  public readonly topic: Topic;
  public readonly rule: Rule;

  public constructor(scope: Construct, id: string, props: VodsrNotificationsProps = {}) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', {
      displayName: 'vodsr job notifications',
      enforceSSL: true,
      ...(props.masterKey ? { masterKey: props.masterKey } : {}),
    });
    for (const email of props.emails ?? []) this.topic.addSubscription(new EmailSubscription(email));
    this.rule = new Rule(this, 'JobEvents', {
      description: 'vodsr: job succeeded / failed → SNS',
      eventBus: props.eventBus ?? EventBus.fromEventBusName(this, 'DefaultBus', 'default'),
      eventPattern: {
        source: [WORKFLOW_EVENT_SOURCE],
        detailType: [WORKFLOW_DETAIL_TYPES.succeeded, WORKFLOW_DETAIL_TYPES.failed],
      },
    });
    // The target without aws-events-targets' SnsTopic, whose topic policy lets events.amazonaws.com publish with no
    // condition (confused deputy): here only this rule, of this account, may publish.
    const topic = this.topic;
    const target: IRuleTarget = { bind: () => ({ arn: topic.topicArn }) };
    this.rule.addTarget(target);
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'PublishFromJobEventsRule',
        principals: [new ServicePrincipal('events.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnEquals: { 'aws:SourceArn': this.rule.ruleArn },
        },
      }),
    );
  }
}
