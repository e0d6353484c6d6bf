import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VodsrError } from '@vodsr/core';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { acknowledgeVodsrFunction } from './nag.js';

/** The Lambda entry points of this package (`src/<name>/lambda.ts`, pre-bundled as `bundles/<name>/index.js`). */
export type VodsrLambdaName = 'trigger' | 'planner' | 'commandStatus' | 'backfill';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The package root: `src/constructs` (sources) and `dist/constructs` (built) are both two levels down. */
const PACKAGE_ROOT = resolve(HERE, '..', '..');

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

/**
 * Where a Lambda's code is: the pre-bundled directory shipped in the package (`bundle`, built by the
 * `bundle-lambdas` target that `build` depends on) and, in this repository only, the TypeScript source (`source`).
 *
 * @example
 * lambdaEntry('trigger').bundle; // …/node_modules/@vodsr/infra-cdk/bundles/trigger (holds index.js)
 */
export function lambdaEntry(name: VodsrLambdaName): { bundle: string; source?: string } {
  const bundle = join(PACKAGE_ROOT, 'bundles', name);
  const source = join(PACKAGE_ROOT, 'src', name, 'lambda.ts');
  return existsSync(source) ? { bundle, source } : { bundle };
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
 * A Node.js 22 (arm64) Lambda of this package with its own log group, from the handler pre-bundled at build time
 * (`Code.fromAsset`): a CDK app that installs this package needs neither esbuild nor Docker to synthesize.
 * Only in this repository, when the bundle has not been built yet, the source is bundled with the local esbuild.
 */
export function vodsrFunction(scope: Construct, id: string, props: VodsrFunctionProps): LambdaFunction {
  const { bundle, source } = lambdaEntry(props.entryName);
  const logGroup = new LogGroup(scope, `${id}Logs`, {
    retention: props.logRetention ?? RetentionDays.ONE_MONTH,
    removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
  });
  const common = {
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    description: props.description,
    timeout: props.timeout ?? Duration.seconds(30),
    memorySize: props.memorySize ?? 256,
    logGroup,
  };
  let fn: LambdaFunction;
  if (existsSync(join(bundle, 'index.js')) || source === undefined) {
    if (!existsSync(join(bundle, 'index.js'))) {
      throw new VodsrError(
        'VODSR_INTERNAL',
        `@vodsr/infra-cdk: the pre-bundled Lambda ${bundle}/index.js is missing (broken install?)`,
      );
    }
    fn = new LambdaFunction(scope, id, {
      ...common,
      code: Code.fromAsset(bundle),
      handler: 'index.handler',
      ...(props.environment ? { environment: props.environment } : {}),
    });
  } else {
    const lock = findUp('package-lock.json', dirname(source));
    fn = new NodejsFunction(scope, id, {
      ...common,
      entry: source,
      handler: 'handler',
      ...(props.environment ? { environment: props.environment } : {}),
      ...(lock ? { depsLockFilePath: lock, projectRoot: dirname(lock) } : {}),
      bundling: {
        format: OutputFormat.CJS,
        target: 'node22',
        minify: true,
        sourceMap: true,
        // The Node.js 22 runtime ships the AWS SDK v3.
        externalModules: ['@aws-sdk/*'],
        esbuildArgs: { '--conditions': '@vodsr/source' },
      },
    });
  }
  acknowledgeVodsrFunction(fn);
  return fn;
}
