import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { VodsrPipeline, type VodsrPipelineProps } from './VodsrPipeline.js';

/** Props of `VodsrStack`. */
export interface VodsrStackProps extends StackProps {
  readonly pipeline: VodsrPipelineProps;
  /**
   * Creates references to existing resources (VPC, buckets) inside the stack, merged over `pipeline`.
   * @default none
   */
  readonly resolveExisting?: (scope: Construct) => Partial<VodsrPipelineProps>;
}

/** A deployable stack with one `VodsrPipeline` and outputs naming what a user needs. */
export class VodsrStack extends Stack {
  public readonly pipeline: VodsrPipeline;
  private readonly givenAzs: readonly string[] | undefined;

  public constructor(scope: Construct, id: string, props: VodsrStackProps) {
    super(scope, id, props);
    this.givenAzs = props.pipeline.availabilityZones;
    this.pipeline = new VodsrPipeline(this, 'Vodsr', { ...props.pipeline, ...props.resolveExisting?.(this) });
    const p = this.pipeline;
    new CfnOutput(this, 'InputBucketName', {
      value: p.storage.inputBucket.bucketName,
      description: 'Upload videos here',
    });
    new CfnOutput(this, 'OutputBucketName', {
      value: p.storage.outputBucket.bucketName,
      description: 'SR files and HLS',
    });
    new CfnOutput(this, 'StateMachineArn', { value: p.workflow.stateMachine.stateMachineArn });
    new CfnOutput(this, 'FleetGroupName', {
      value: p.fleet.groupName,
      description: 'The GPU hosts (EC2 Auto Scaling)',
    });
    new CfnOutput(this, 'InteractiveQueueUrl', { value: p.queues.interactive.queueUrl });
    new CfnOutput(this, 'BulkQueueUrl', { value: p.queues.bulk.queueUrl });
    new CfnOutput(this, 'HostDocumentName', { value: p.hostDocument.documentName });
    new CfnOutput(this, 'NotificationTopicArn', { value: p.notifications.topic.topicArn });
  }

  /** The given AZs when there are some: an account-specific stack then needs no AZ lookup (no credentials). */
  public override get availabilityZones(): string[] {
    return this.givenAzs?.length ? [...this.givenAzs] : super.availabilityZones;
  }
}
