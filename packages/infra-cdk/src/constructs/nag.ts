import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

// How cdk-nag names a resource in a finding id (its flattenCfnReference): Fn::GetAtt → <Id.Attr>, Ref → <Id>,
// Fn::Join → the joined parts. Findings are acknowledged one by one, never by rule prefix.
function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const o = node as Record<string, unknown>;
  if (Array.isArray(o['Fn::Join'])) {
    const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
    return items.map(flatten).join(delimiter);
  }
  if (o['Fn::Sub'] !== undefined) return flatten(o['Fn::Sub']);
  if (Array.isArray(o['Fn::GetAtt'])) {
    const [resource, attribute] = o['Fn::GetAtt'] as [unknown, unknown];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if (o.Ref !== undefined) return `<${flatten(o.Ref)}>`;
  return JSON.stringify(node);
}

/** Acknowledges one cdk-nag rule (or one finding of it, `AwsSolutions-IAM5[...]`) on a construct, with its reason. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** Acknowledges the `AwsSolutions-IAM5` finding of one wildcard resource ARN (a token or a string) on `scope`. */
export function acknowledgeWildcardResource(scope: IConstruct, resourceArn: string, reason: string): void {
  const flat = flatten(Stack.of(scope).resolve(resourceArn));
  acknowledge(scope, `AwsSolutions-IAM5[Resource::${flat}]`, reason);
}

/** Acknowledges the `AwsSolutions-IAM4` finding of one AWS managed policy on `scope`. */
export function acknowledgeManagedPolicy(scope: IConstruct, policyName: string, reason: string): void {
  acknowledge(scope, `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${policyName}]`, reason);
}

/** The acknowledgements every Lambda of this package needs (basic execution role, pinned Node.js 22). */
export function acknowledgeVodsrFunction(fn: IConstruct): void {
  acknowledgeManagedPolicy(
    fn,
    'service-role/AWSLambdaBasicExecutionRole',
    'AWS-maintained policy that only lets the function write its own CloudWatch Logs.',
  );
  acknowledge(
    fn,
    'AwsSolutions-L1',
    'The project pins Node.js 22 (the runtime its code and tests target); moving to a newer runtime is a deliberate upgrade.',
  );
}
