import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { acknowledgeVodsrFunction } from './nag.js';

/** The Lambda entry points of this package (`src/<name>/lambda.ts`, or `dist/<name>/lambda.js` when installed). */
export type VodsrLambdaName = 'trigger' | 'planner' | 'commandStatus';

const HERE = dirname(fileURLToPath(import.meta.url));

function findUp(file: string, from: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = join(dir, file);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Where a Lambda entry point is, and whether it is a TypeScript source (tests, this repo) or built JS. */
export function lambdaEntry(name: VodsrLambdaName): { entry: string; fromSource: boolean } {
  const ts = resolve(HERE, '..', name, 'lambda.ts');
  if (existsSync(ts)) return { entry: ts, fromSource: true };
  return { entry: resolve(HERE, '..', name, 'lambda.js'), fromSource: false };
}

/** Props of one vodsr Lambda function. */
export interface VodsrFunctionProps {
  readonly entryName: VodsrLambdaName;
  readonly description: string;
  readonly environment?: Record<string, string>;
  /** @default 30 seconds */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default one month */
  readonly logRetention?: RetentionDays;
  /** @default RemovalPolicy.DESTROY (log groups only) */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * A Node.js 22 Lambda of this package, bundled by the local esbuild (no Docker), with its own log group.
 * In this repository the sources are bundled (with the `@vodsr/source` condition); when installed, the built JS.
 */
export function vodsrFunction(scope: Construct, id: string, props: VodsrFunctionProps): NodejsFunction {
  const { entry, fromSource } = lambdaEntry(props.entryName);
  const lock = findUp('package-lock.json', dirname(entry));
  const logGroup = new LogGroup(scope, `${id}Logs`, {
    retention: props.logRetention ?? RetentionDays.ONE_MONTH,
    removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
  });
  const fn = new NodejsFunction(scope, id, {
    entry,
    handler: 'handler',
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    description: props.description,
    timeout: props.timeout ?? Duration.seconds(30),
    memorySize: props.memorySize ?? 256,
    logGroup,
    ...(props.environment ? { environment: props.environment } : {}),
    ...(lock ? { depsLockFilePath: lock, projectRoot: dirname(lock) } : {}),
    bundling: {
      format: OutputFormat.CJS,
      target: 'node22',
      minify: true,
      sourceMap: true,
      // The Node.js 22 runtime ships the AWS SDK v3.
      externalModules: ['@aws-sdk/*'],
      ...(fromSource ? { esbuildArgs: { '--conditions': '@vodsr/source' } } : {}),
    },
  });
  acknowledgeVodsrFunction(fn);
  return fn;
}
