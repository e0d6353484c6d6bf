import { ArnFormat, Stack } from 'aws-cdk-lib';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { VodsrFleetProps } from './fleetProps.js';
import { acknowledge, acknowledgeWildcardResource } from './nag.js';

/**
 * Grants the hosts' role exactly what the runner and the agent call: read sources, write SR files, command
 * output logs, consume the work queues, report to the waiting task, the group's own lifecycle actions, and publish
 * the agent's state as `vodsr:agent:*` tags (never `vodsr:fleet`, which SendCommand targets by) on the group's instances.
 */
export function grantHostPermissions(
  role: Role,
  props: VodsrFleetProps,
  logGroupArn: string,
  group: { readonly arn: string; readonly name: string },
): void {
  const groupArn = group.arn;
  const stack = Stack.of(role);
  const sources = props.inputBucket.arnForObjects('*');
  const results = props.outputBucket.arnForObjects(`${props.outputPrefix ?? ''}*`);
  role.addToPrincipalPolicy(
    new PolicyStatement({ sid: 'ReadSources', actions: ['s3:GetObject'], resources: [sources] }),
  );
  role.addToPrincipalPolicy(
    new PolicyStatement({
      sid: 'WriteSrFiles',
      actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
      resources: [results],
    }),
  );
  acknowledgeWildcardResource(
    role,
    sources,
    'The host reads the uploaded source of each job; keys are only known at upload time. Read-only, one bucket.',
  );
  acknowledgeWildcardResource(
    role,
    results,
    'The host writes SR files under the results prefix only; their names derive from uploaded keys.',
  );
  role.addToPrincipalPolicy(
    new PolicyStatement({
      sid: 'WriteCommandOutput',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      resources: [logGroupArn],
    }),
  );
  const logGroups = stack.formatArn({
    service: 'logs',
    resource: 'log-group',
    resourceName: '*',
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  role.addToPrincipalPolicy(
    new PolicyStatement({
      sid: 'FindCommandOutputLogGroup',
      actions: ['logs:DescribeLogGroups'],
      resources: [logGroups],
    }),
  );
  acknowledgeWildcardResource(
    role,
    logGroups,
    'logs:DescribeLogGroups authorizes on log-group:* only (it lists); the SSM agent uses it to find its output group.',
  );
  props.queues.allowConsumeOnlyBy(role);
  // The Service Authorization Reference lists no resource type for SendTask* with the token of a
  // .waitForTaskToken integration: the token (which only this job's message or command carries) is the capability.
  role.addToPrincipalPolicy(
    new PolicyStatement({
      sid: 'ReportToWaitingTask',
      actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
      resources: ['*'],
    }),
  );
  role.addToPrincipalPolicy(
    new PolicyStatement({
      sid: 'OwnGroupLifecycle',
      actions: [
        'autoscaling:SetInstanceProtection',
        'autoscaling:CompleteLifecycleAction',
        'autoscaling:RecordLifecycleActionHeartbeat',
      ],
      resources: [groupArn],
    }),
  );
  // The agent's state for `vodsr fleet` (its slots, as tags on its own instance): CreateTags only, only `vodsr:agent:*`
  // keys, only on instances the group launched (Auto Scaling tags each with aws:autoscaling:groupName). IAM has no
  // documented "this very instance" condition; the worst a host can do with it is mislabel another host's display.
  const instances = stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' });
  role.addToPrincipalPolicy(
    new PolicyStatement({
      sid: 'PublishOwnState',
      actions: ['ec2:CreateTags'],
      resources: [instances],
      conditions: {
        StringEquals: { 'aws:ResourceTag/aws:autoscaling:groupName': group.name },
        'ForAllValues:StringLike': { 'aws:TagKeys': ['vodsr:agent:*'] },
        Null: { 'aws:TagKeys': 'false' },
      },
    }),
  );
  acknowledgeWildcardResource(
    role,
    instances,
    "Instance ids are only known at launch; the condition pins CreateTags to this group's instances and vodsr:agent:* keys (display data for vodsr fleet).",
  );
  acknowledge(
    role,
    'AwsSolutions-IAM5[Resource::*]',
    'states:SendTaskSuccess/Failure/Heartbeat have no resource type for .waitForTaskToken task tokens (Service Authorization Reference, Step Functions); the token of one job is the capability.',
  );
  acknowledgeWildcardResource(
    role,
    groupArn,
    'The group ARN carries a UUID only known after creation; the name (fixed at synth) pins it to this fleet. Only instance protection and lifecycle actions of this group.',
  );
}
