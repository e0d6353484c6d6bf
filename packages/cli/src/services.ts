import { join } from 'node:path';
import type { AwsFleetOptions, JobService } from '@vodsr/api';
import { VodsrError } from '@vodsr/core';
import { DEFAULT_DATA_DIR, DEFAULT_OUTPUT_DIR, type GlobalOptions } from './options.js';

/** Which backend the options select: `--api` wins, then `--backend`, then local. */
export function backendOf(o: GlobalOptions): 'local' | 'aws' | 'api' {
  if (o.api) return 'api';
  return o.backend ?? 'local';
}

/**
 * Opens the job service the options select (lazy: nothing heavy is imported before a command needs it).
 * `workers: false` opens the local database as a client (no jobs run in this process).
 */
export async function openService(
  o: GlobalOptions,
  opts: {
    workers?: boolean | 'own';
    slots?: number;
    fleet?: { hosts: number; slots: number };
    inputRoots?: readonly string[];
  } = {},
): Promise<JobService> {
  // Each backend imports only its own entry: `vodsr run` never loads the HTTP server or the AWS SDK.
  const backend = backendOf(o);
  if (backend === 'api') {
    if (!o.api) throw new VodsrError('VODSR_VALIDATION', 'backend "api" needs --api URL (or VODSR_API)');
    const { HttpJobService } = await import('@vodsr/api/remote');
    return new HttpJobService({ baseUrl: o.api, ...(o.token ? { token: o.token } : {}) });
  }
  if (backend === 'aws') {
    const issues = [];
    if (!o.stateMachineArn)
      issues.push({
        path: '/stateMachineArn',
        message: 'set --state-machine-arn or VODSR_STATE_MACHINE_ARN',
      });
    if (!o.awsOutput)
      issues.push({
        path: '/awsOutput',
        message: 'set --aws-output s3://bucket/prefix/ or VODSR_AWS_OUTPUT',
      });
    if (issues.length || !o.stateMachineArn || !o.awsOutput) {
      throw new VodsrError(
        'VODSR_VALIDATION',
        `The AWS backend is not configured: ${issues.map((i) => i.message).join('; ')}`,
        {
          details: { issues },
        },
      );
    }
    const fleet = awsFleetOptions(o, false);
    const { AwsJobService } = await import('@vodsr/api/aws');
    return new AwsJobService({
      stateMachineArn: o.stateMachineArn,
      outputRoot: o.awsOutput,
      ...(o.region ? { region: o.region } : {}),
      ...(fleet ? { fleet } : {}),
    });
  }
  const dataDir = o.dataDir ?? DEFAULT_DATA_DIR;
  const { LocalJobService } = await import('@vodsr/api/local');
  return LocalJobService.open({
    dataDir,
    outputRoot: join(o.outputDir ?? DEFAULT_OUTPUT_DIR, 'jobs'),
    workers: opts.workers ?? false,
    ...(opts.slots !== undefined ? { slots: opts.slots } : {}),
    ...(opts.fleet ? { fleet: opts.fleet } : {}),
    ...(opts.inputRoots ? { inputRoots: opts.inputRoots } : {}),
  });
}

/**
 * Where the deployed fleet is (`--fleet-group`, `--interactive-queue-url`, `--bulk-queue-url`: the stack's
 * outputs). `required`: a missing one is a `VODSR_VALIDATION` naming each; otherwise none given = no fleet.
 */
export function awsFleetOptions(o: GlobalOptions, required: true): AwsFleetOptions;
export function awsFleetOptions(o: GlobalOptions, required: boolean): AwsFleetOptions | undefined;
export function awsFleetOptions(o: GlobalOptions, required: boolean): AwsFleetOptions | undefined {
  const given = [o.fleetGroup, o.interactiveQueueUrl, o.bulkQueueUrl].filter((v) => v !== undefined);
  if (!required && given.length === 0) return undefined;
  const issues = [];
  if (!o.fleetGroup) issues.push({ path: '/fleetGroup', message: 'set --fleet-group or VODSR_FLEET_GROUP' });
  if (!o.interactiveQueueUrl)
    issues.push({
      path: '/interactiveQueueUrl',
      message: 'set --interactive-queue-url or VODSR_INTERACTIVE_QUEUE_URL',
    });
  if (!o.bulkQueueUrl)
    issues.push({ path: '/bulkQueueUrl', message: 'set --bulk-queue-url or VODSR_BULK_QUEUE_URL' });
  if (issues.length || !o.fleetGroup || !o.interactiveQueueUrl || !o.bulkQueueUrl) {
    throw new VodsrError(
      'VODSR_VALIDATION',
      `The AWS fleet is not configured (the stack outputs FleetGroupName, InteractiveQueueUrl, BulkQueueUrl): ${issues.map((i) => i.message).join('; ')}`,
      { details: { issues } },
    );
  }
  return {
    autoScalingGroupName: o.fleetGroup,
    queueUrls: { interactive: o.interactiveQueueUrl, bulk: o.bulkQueueUrl },
    ...(o.region ? { region: o.region } : {}),
  };
}
