import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  RecordLifecycleActionHeartbeatCommand,
  SetInstanceProtectionCommand,
} from '@aws-sdk/client-auto-scaling';
import type { InstanceControlPort } from '../types.js';

/** Options of {@link AutoScalingInstanceControl}. */
export interface AutoScalingInstanceControlOptions {
  readonly autoScalingGroupName: string;
  /** The termination lifecycle hook the agent completes. */
  readonly drainHookName: string;
  readonly client?: AutoScalingClient;
  readonly region?: string;
}

/**
 * This instance in its EC2 Auto Scaling group: scale-in protection, the termination lifecycle action's heartbeat
 * while it drains, and completing the action (`CONTINUE`) once its runs ended.
 *
 * @example
 * const control = new AutoScalingInstanceControl({ autoScalingGroupName: 'vodsr-fleet', drainHookName: 'vodsr-drain' });
 */
export class AutoScalingInstanceControl implements InstanceControlPort {
  private readonly client: AutoScalingClient;

  public constructor(private readonly opts: AutoScalingInstanceControlOptions) {
    this.client = opts.client ?? new AutoScalingClient(opts.region ? { region: opts.region } : {});
  }

  public async setScaleInProtection(instanceId: string, protect: boolean): Promise<void> {
    await this.client.send(
      new SetInstanceProtectionCommand({
        AutoScalingGroupName: this.opts.autoScalingGroupName,
        InstanceIds: [instanceId],
        ProtectedFromScaleIn: protect,
      }),
    );
  }

  public async completeLifecycleAction(instanceId: string): Promise<void> {
    await this.client.send(
      new CompleteLifecycleActionCommand({
        AutoScalingGroupName: this.opts.autoScalingGroupName,
        LifecycleHookName: this.opts.drainHookName,
        InstanceId: instanceId,
        LifecycleActionResult: 'CONTINUE',
      }),
    );
  }

  public async recordLifecycleActionHeartbeat(instanceId: string): Promise<void> {
    await this.client.send(
      new RecordLifecycleActionHeartbeatCommand({
        AutoScalingGroupName: this.opts.autoScalingGroupName,
        LifecycleHookName: this.opts.drainHookName,
        InstanceId: instanceId,
      }),
    );
  }
}
