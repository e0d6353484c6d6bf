import { Stack } from 'aws-cdk-lib';
import type { CfnAutoScalingGroup } from 'aws-cdk-lib/aws-autoscaling';
import type { UserData } from 'aws-cdk-lib/aws-ec2';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { AGENT_CONFIG_PATH, AGENT_UNIT, type AgentConfig, LAUNCH_HOOK_NAME } from './fleetProps.js';

// How long apt waits for the dpkg lock (first-boot unattended upgrades may hold it) before it gives up.
const APT_LOCK_TIMEOUT_SECONDS = 600;

/** What the boot script needs to know about its fleet. */
export interface BootScriptOptions {
  readonly groupName: string;
  readonly prefix: string;
  readonly runnerPath: string;
  readonly minCapacity: number;
  readonly cfnGroup: CfnAutoScalingGroup;
  readonly runnerAsset: Asset;
  readonly installerAsset: Asset;
  readonly agentConfig: AgentConfig;
}

/**
 * Writes the hosts' user data: AWS CLI if missing, runner + installer from their assets, the agent config, the
 * install, and the launch hook completion (on every boot, also out of the warm pool).
 */
export function addBootScript(userData: UserData, o: BootScriptOptions): void {
  const stack = Stack.of(o.cfnGroup);
  const { groupName, prefix, runnerPath, cfnGroup } = o;
  const min = o.minCapacity;
  // The user data is rendered at synth: it can name the group's logical id (for the install signal).
  const region = stack.region;
  const download = (asset: Asset, to: string): string =>
    `aws s3 cp --only-show-errors --region '${region}' 's3://${asset.s3BucketName}/${asset.s3ObjectKey}' "$boot/${to}"`;
  const apt = `apt-get -o DPkg::Lock::Timeout=${APT_LOCK_TIMEOUT_SECONDS}`;
  const launchReady = `${prefix}/bin/vodsr-launch-ready`;
  const signalLines =
    min > 0
      ? [
          // The first minCapacity hosts also tell CloudFormation (CreationPolicy of the group): a failed install fails the stack.
          `  aws cloudformation signal-resource --region '${region}' --stack-name '${stack.stackName}' --logical-resource-id '${stack.getLogicalId(cfnGroup)}' --unique-id "$iid" --status "$1" >/dev/null 2>&1 || true`,
        ]
      : [];
  userData.addCommands(
    'set -euo pipefail',
    'export DEBIAN_FRONTEND=noninteractive',
    'iid="$(cat /var/lib/cloud/data/instance-id)"',
    // ABANDON terminates the host (the group launches another); CONTINUE puts it in service.
    'launched() {',
    `  if command -v aws >/dev/null 2>&1; then`,
    `    aws autoscaling complete-lifecycle-action --region '${region}' --auto-scaling-group-name '${groupName}' --lifecycle-hook-name '${LAUNCH_HOOK_NAME}' --instance-id "$iid" --lifecycle-action-result "$2" >/dev/null 2>&1 || true`,
    ...signalLines,
    '  fi',
    '}',
    'boot="$(mktemp -d)"',
    'on_exit() {',
    '  rc=$?',
    '  rm -rf "$boot"',
    '  if [ "$rc" -ne 0 ]; then launched FAILURE ABANDON; fi',
    '}',
    'trap on_exit EXIT',
    'if ! command -v aws >/dev/null 2>&1; then',
    '  if ! command -v unzip >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1; then',
    `    ${apt} update -y && ${apt} install -y unzip curl`,
    '  fi',
    '  cli="$(mktemp -d)"',
    '  curl -fsSL --retry 5 -o "$cli/awscliv2.zip" "https://awscli.amazonaws.com/awscli-exe-linux-$(uname -m).zip"',
    '  unzip -q "$cli/awscliv2.zip" -d "$cli"',
    '  "$cli/aws/install" --update',
    '  rm -rf "$cli"',
    'fi',
    download(o.runnerAsset, 'vodsr-host'),
    download(o.installerAsset, 'vodsr-host-install'),
    // The agent's configuration (queues, slots, hooks, group): written before the installer sets up the agent unit.
    'install -d -m 0755 /etc/vodsr',
    `cat > '${AGENT_CONFIG_PATH}.tmp' <<'VODSR_AGENT_JSON'`,
    stack.toJsonString(o.agentConfig),
    'VODSR_AGENT_JSON',
    `chmod 0644 '${AGENT_CONFIG_PATH}.tmp'`,
    `mv '${AGENT_CONFIG_PATH}.tmp' '${AGENT_CONFIG_PATH}'`,
    `bash "$boot/vodsr-host-install" --runner "$boot/vodsr-host" --prefix '${prefix}' --region '${region}' --apt-lock-timeout ${APT_LOCK_TIMEOUT_SECONDS}`,
    `'${runnerPath}' --version`,
    // Every boot (also out of the warm pool, where user data does not run again) completes the launch hook.
    `cat > '${launchReady}' <<'VODSR_LAUNCH_READY'`,
    '#!/usr/bin/env bash',
    'set -euo pipefail',
    'iid="$(cat /var/lib/cloud/data/instance-id)"',
    `aws autoscaling complete-lifecycle-action --region '${region}' --auto-scaling-group-name '${groupName}' --lifecycle-hook-name '${LAUNCH_HOOK_NAME}' --instance-id "$iid" --lifecycle-action-result CONTINUE >/dev/null 2>&1 || true`,
    'VODSR_LAUNCH_READY',
    `chmod 0755 '${launchReady}'`,
    "cat > /etc/systemd/system/vodsr-launch-ready.service <<'VODSR_UNIT'",
    '[Unit]',
    'Description=vodsr: tell EC2 Auto Scaling this host is ready (launch lifecycle hook)',
    `After=network-online.target ${AGENT_UNIT}`,
    'Wants=network-online.target',
    '[Service]',
    'Type=oneshot',
    `ExecStart=${launchReady}`,
    '[Install]',
    'WantedBy=multi-user.target',
    'VODSR_UNIT',
    'systemctl daemon-reload',
    `systemctl enable --now '${AGENT_UNIT}'`,
    'systemctl enable vodsr-launch-ready.service',
    'trap - EXIT',
    'rm -rf "$boot"',
    'launched SUCCESS CONTINUE',
  );
}
