import { ValidationError, type ValidationIssue } from '@vodsr/core';
import { hostShellCommand } from '@vodsr/core/host';
import {
  HOST_DOCUMENT_LEASE_PATTERN,
  HOST_DOCUMENT_PARAMETER_PATTERN,
  HOST_DOCUMENT_PARAMETERS,
  HOST_DOCUMENT_SLOT_PATTERN,
  MIN_HEARTBEAT_SECONDS,
} from '@vodsr/core/workflow';
import { DEFAULT_RUNNER_PATH } from '@vodsr/host-scripts';
import { Aws, Stack } from 'aws-cdk-lib';
import { CfnDocument } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';

/** The default `HeartbeatSeconds` of the workflow's host step (core's default). */
export const DEFAULT_HEARTBEAT_SECONDS = 300;

/** The interval the host heartbeats at for a workflow `HeartbeatSeconds`: a quarter of it, rounded down. */
export function hostHeartbeatInterval(heartbeatSeconds: number): number {
  return Math.floor(heartbeatSeconds / 4);
}

// The SSM execution timeout parameter: 1..172800 seconds (SSM's own limit), as in AWS-RunShellScript.
const EXECUTION_TIMEOUT_PATTERN =
  '^([1-9][0-9]{0,4}|1[0-6][0-9]{4}|17[0-1][0-9]{3}|172[0-7][0-9]{2}|172800)$';

// The environment the Bluewhale filters need (from the AMI's instructions; no credentials: the instance role is used).
const BLUEWHALE_ENV = [
  'if [ -d /usr/local/bluedot ]; then',
  '  export ONNX_DIR=/usr/local/bluedot/models/',
  '  export PATH="/usr/local/bluedot:$PATH:/etc/neura-vortex/bin"',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a JS template
  '  export LD_LIBRARY_PATH="/etc/neura-vortex/nvx_packages/plugins/libs:/usr/local/cuda/lib64:/usr/local/bluedot/:/usr/local/TensorRT/lib:${LD_LIBRARY_PATH:-}"',
  '  export PYTHONPATH=/etc/neura-vortex/libs/python3.10/site-packages',
  '  export VSSCRIPT_PATH=/etc/neura-vortex/nvx_packages/plugins/scripts',
  '  export VSPREFIX=/etc/neura-vortex',
  '  export VAPOURSYNTH_CONF_PATH=/etc/neura-vortex/vapoursynth.conf',
  'fi',
];

/**
 * Document lines that make a command whose task has already closed (a late delivery) exit at once, before the
 * runner starts and before any output is touched: one immediate heartbeat with the task token; TaskTimedOut /
 * TaskDoesNotExist / InvalidToken mean the workflow no longer waits. Exit 0, so the dead-host rule stays quiet.
 * Any other error (network, throttling) lets the runner start: its own heartbeats handle a closed task.
 */
function lateStartGuard(tokenParameter: string): string[] {
  return [
    // Agents older than 3.3.2746.0 set no SSM_ variable: then only the runner's own heartbeats stop a late job.
    `vodsr_token_b64="\${SSM_${tokenParameter}-}"`,
    'if [ -n "$vodsr_token_b64" ] && vodsr_token="$(printf %s "$vodsr_token_b64" | base64 -d 2>/dev/null)" && [ -n "$vodsr_token" ] && command -v aws >/dev/null 2>&1; then',
    '  if ! vodsr_err="$(aws stepfunctions send-task-heartbeat --cli-connect-timeout 10 --cli-read-timeout 20 --task-token "$vodsr_token" 2>&1 >/dev/null)"; then',
    '    case "$vodsr_err" in',
    '      *TaskTimedOut*|*TaskDoesNotExist*|*InvalidToken*)',
    '        echo "vodsr: the workflow no longer waits for this command (its task closed before delivery): not running the job" >&2',
    '        exit 0 ;;',
    '    esac',
    '  fi',
    'fi',
    'unset vodsr_token vodsr_token_b64 vodsr_err',
  ];
}

/** Props of `VodsrHostDocument`. */
export interface VodsrHostDocumentProps {
  /** Where the runner is installed on the hosts. @default '/opt/vodsr/bin/vodsr-host' */
  readonly runnerPath?: string;
  /**
   * The workflow's `HeartbeatSeconds`: the document makes the host heartbeat every quarter of it
   * (`VODSR_HEARTBEAT_SECONDS`). At least `MIN_HEARTBEAT_SECONDS` (60). @default 300
   */
  readonly heartbeatSeconds?: number;
}

/**
 * The SSM Command document (schema 2.2) that runs one job on a host: the job, the task token, the reserved slot
 * and its lease arrive as parameters exposed only as environment variables (`interpolationType: ENV_VAR`,
 * `allowedPattern`), and the one command line of the host contract (core's `hostShellCommand`) passes them to the
 * runner. A command whose task has already closed exits at once (late-start guard).
 *
 * @example const doc = new VodsrHostDocument(stack, 'HostDocument', { heartbeatSeconds: 300 });
 */
export class VodsrHostDocument extends Construct {
  public readonly document: CfnDocument;
  /** Name of `document` (a token until deploy). */
  public readonly documentName: string;
  /** ARN of `document`. */
  public readonly documentArn: string;

  public constructor(scope: Construct, id: string, props: VodsrHostDocumentProps = {}) {
    super(scope, id);
    const issues: ValidationIssue[] = [];
    const runnerPath = props.runnerPath ?? DEFAULT_RUNNER_PATH;
    if (!/^\/[A-Za-z0-9._/-]+\/bin\/vodsr-host$/.test(runnerPath) || runnerPath.includes('..'))
      issues.push({
        path: '/runnerPath',
        message: 'must be <absolute prefix>/bin/vodsr-host, of [A-Za-z0-9._/-]',
      });
    const heartbeatSeconds = props.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS;
    if (
      !Number.isInteger(heartbeatSeconds) ||
      heartbeatSeconds < MIN_HEARTBEAT_SECONDS ||
      heartbeatSeconds > 86_400
    )
      issues.push({
        path: '/heartbeatSeconds',
        message: `must be an integer from ${MIN_HEARTBEAT_SECONDS} to 86400: the host heartbeats every quarter of it, and its first heartbeat also waits for SSM delivery, the agent and one AWS CLI call`,
      });
    if (issues.length) throw new ValidationError('VodsrHostDocument props', issues);
    const stack = Stack.of(this);
    const P = HOST_DOCUMENT_PARAMETERS;
    this.document = new CfnDocument(this, 'Document', {
      documentType: 'Command',
      documentFormat: 'JSON',
      updateMethod: 'NewVersion',
      content: {
        schemaVersion: '2.2',
        description:
          'vodsr: runs one super-resolution job with vodsr-host. The job and the Step Functions task token arrive as base64 parameters and reach the runner only as environment variables; nothing is interpolated into the script.',
        parameters: {
          [P.jobB64]: {
            type: 'String',
            description: 'Base64 of the HostJob JSON (encodeHostJob).',
            allowedPattern: HOST_DOCUMENT_PARAMETER_PATTERN,
            interpolationType: 'ENV_VAR',
          },
          [P.taskTokenB64]: {
            type: 'String',
            description: 'Base64 of the Step Functions task token.',
            allowedPattern: HOST_DOCUMENT_PARAMETER_PATTERN,
            interpolationType: 'ENV_VAR',
          },
          [P.slot]: {
            type: 'String',
            description: 'The GPU slot the host agent reserved for this job (HostPlacement.slot).',
            allowedPattern: HOST_DOCUMENT_SLOT_PATTERN,
            interpolationType: 'ENV_VAR',
          },
          [P.lease]: {
            type: 'String',
            description:
              'The lease of the reservation (HostPlacement.lease): the runner claims the slot with it.',
            allowedPattern: HOST_DOCUMENT_LEASE_PATTERN,
            interpolationType: 'ENV_VAR',
          },
          [P.executionTimeout]: {
            type: 'String',
            default: '3600',
            description: 'Seconds before the command is stopped (1..172800).',
            allowedPattern: EXECUTION_TIMEOUT_PATTERN,
          },
        },
        mainSteps: [
          {
            action: 'aws:runShellScript',
            name: 'runVodsrHost',
            inputs: {
              timeoutSeconds: `{{ ${P.executionTimeout} }}`,
              runCommand: [
                'set -eu',
                `export AWS_REGION='${Aws.REGION}' AWS_DEFAULT_REGION='${Aws.REGION}'`,
                // The host heartbeats at a quarter of the workflow's HeartbeatSeconds.
                `export VODSR_HEARTBEAT_SECONDS='${hostHeartbeatInterval(heartbeatSeconds)}'`,
                ...lateStartGuard(P.taskTokenB64),
                ...BLUEWHALE_ENV,
                // SSM Agent 3.3.2746.0+ passes each ENV_VAR parameter as SSM_<name>; for older agents, fall back to
                // the interpolated value, which allowedPattern limits to base64 characters (inert inside quotes).
                `if [ -z "\${SSM_${P.jobB64}+x}" ]; then SSM_${P.jobB64}='{{ ${P.jobB64} }}'; fi`,
                `if [ -z "\${SSM_${P.taskTokenB64}+x}" ]; then SSM_${P.taskTokenB64}='{{ ${P.taskTokenB64} }}'; fi`,
                `if [ -z "\${SSM_${P.slot}+x}" ]; then SSM_${P.slot}='{{ ${P.slot} }}'; fi`,
                `if [ -z "\${SSM_${P.lease}+x}" ]; then SSM_${P.lease}='{{ ${P.lease} }}'; fi`,
                // The host contract's one command line (core), the values as the SSM_* variables only.
                hostShellCommand({
                  runnerPath,
                  jobB64: { env: `SSM_${P.jobB64}` },
                  taskTokenB64: { env: `SSM_${P.taskTokenB64}` },
                  slot: { env: `SSM_${P.slot}` },
                  lease: { env: `SSM_${P.lease}` },
                }),
              ],
            },
          },
        ],
      },
    });
    this.documentName = this.document.ref;
    this.documentArn = stack.formatArn({
      service: 'ssm',
      resource: 'document',
      resourceName: this.document.ref,
    });
  }
}
