import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const run = promisify(execFile);

interface LambdaResource {
  Type: string;
  Properties: { Handler?: string; Runtime?: string; Code: { S3Key?: string } };
}
const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
const attw = join(repo, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
const publint = join(repo, 'node_modules', 'publint', 'src', 'cli.js');
const npmCli = process.env.npm_execpath?.endsWith('npm-cli.js') ? process.env.npm_execpath : undefined;

/** Runs npm with the Node that runs the tests (in CI's Node 22 pass too), or the `npm` on PATH. */
function npm(args: string[], cwd: string) {
  const [cmd, argv] = npmCli ? [process.execPath, [npmCli, ...args]] : ['npm', args];
  return run(cmd, argv, { cwd, maxBuffer: 64 * 1024 * 1024 });
}

const CONSUMER_TS = `import { parseJobSpec, srOutputName } from '@vodsr/core';
import { DEFAULT_PRESET_ID, getPreset, listPresets } from '@vodsr/mediaconvert-presets';

const name: string = srOutputName('clip.mp4', 2);
const ids: string[] = listPresets().map((p) => p.id);
const job = parseJobSpec({ source: 'clip.mp4' });
process.stdout.write(JSON.stringify({ name, ids, preset: getPreset(DEFAULT_PRESET_ID).id, jobSource: job.source }));
`;

const APP_TS = `import { App, Stack } from 'aws-cdk-lib';
import { VodsrPipeline } from '@vodsr/infra-cdk';

const app = new App({ outdir: process.argv[2] ?? 'cdk.out' });
const stack = new Stack(app, 'Video', { env: { account: '111111111111', region: 'ap-northeast-2' } });
const vodsr = new VodsrPipeline(stack, 'Vodsr', { amiId: 'ami-0123456789abcdef0', availabilityZones: ['ap-northeast-2a'] });
const bucket: import('aws-cdk-lib/aws-s3').IBucket = vodsr.storage.inputBucket;
app.synth();
process.stdout.write(JSON.stringify({ bucket: bucket.node.path }));
`;

// The packages as a user gets them: npm pack → install the tarballs into a new project outside the repository
// (with the peer aws-cdk-lib/constructs, no esbuild, no Docker) → typecheck and run an ESM consumer, synth an app.
describe('the packed packages, installed in a fresh project', () => {
  it('pass attw and publint, typecheck, run (core + presets) and synthesize the pipeline with neither esbuild nor Docker', async () => {
    // Prepare
    const dir = tempDir();
    const packs = join(dir, 'packs');
    mkdirSync(packs);
    for (const p of readdirSync(join(repo, 'packages'))) {
      expect(existsSync(join(repo, 'packages', p, 'dist')), `build first: packages/${p}/dist`).toBe(true);
    }
    await npm(['pack', '--workspaces', '--pack-destination', packs, '--silent'], repo);
    const tarballs = readdirSync(packs).filter((f) => f.endsWith('.tgz'));
    expect(tarballs).toHaveLength(readdirSync(join(repo, 'packages')).length);
    // Every tarball: no source map, no tsc build info, a LICENSE; attw (ESM-only profile) and publint clean.
    for (const t of tarballs) {
      const { stdout: listing } = await run('tar', ['-tzf', join(packs, t)]);
      expect(listing, t).not.toMatch(/\.map$|\.tsbuildinfo$/m);
      expect(listing, t).toContain('package/LICENSE');
      await run(process.execPath, [attw, join(packs, t), '--profile', 'esm-only', '--format', 'ascii']);
      const lint = await run(process.execPath, [publint, join(packs, t)]);
      expect(lint.stdout, t).toContain('All good');
    }
    const app = join(dir, 'app');
    mkdirSync(app);
    const rootPkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
    const infraPkg = JSON.parse(readFileSync(join(repo, 'packages', 'infra-cdk', 'package.json'), 'utf8'));
    const deps: Record<string, string> = Object.fromEntries(
      tarballs.map((t) => [
        `@vodsr/${t.replace(/^vodsr-/, '').replace(/-\d+\.\d+\.\d+\.tgz$/, '')}`,
        `file:../packs/${t}`,
      ]),
    );
    // The peers at the lowest version of their declared (tested) range.
    for (const peer of ['aws-cdk-lib', 'constructs']) {
      deps[peer] = String(infraPkg.peerDependencies[peer]).replace(/^\^/, '');
    }
    deps['@types/node'] = rootPkg.devDependencies['@types/node'];
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: deps }),
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          target: 'es2022',
          strict: true,
          outDir: 'out',
          types: ['node'],
          skipLibCheck: true,
        },
        include: ['*.ts'],
      }),
    );
    writeFileSync(join(app, 'consumer.ts'), CONSUMER_TS);
    writeFileSync(join(app, 'app.ts'), APP_TS);

    // Act
    await npm(
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'],
      app,
    );
    const typecheck = await run(process.execPath, [tsc, '-p', '.'], { cwd: app }).catch(
      (e: { stdout: string }) => e,
    );
    const consumer = await run(process.execPath, ['out/consumer.js'], { cwd: app });
    // No Docker anywhere on PATH (only the directory of node), and CDK told to fail if it ever tries.
    const env = { PATH: dirname(process.execPath), CDK_DOCKER: join(dir, 'no-docker'), HOME: dir };
    const synth = await run(process.execPath, ['out/app.js', 'cdk.out'], { cwd: app, env });

    // Assess
    expect(typecheck, JSON.stringify(typecheck)).not.toHaveProperty('code');
    expect(existsSync(join(app, 'node_modules', 'esbuild'))).toBe(false);
    expect(existsSync(join(app, 'node_modules', '.bin', 'esbuild'))).toBe(false);
    // One aws-cdk-lib: the consumer's (a peer, not a second copy under @vodsr/infra-cdk).
    expect(existsSync(join(app, 'node_modules', '@vodsr', 'infra-cdk', 'node_modules', 'aws-cdk-lib'))).toBe(
      false,
    );
    expect(JSON.parse(consumer.stdout)).toEqual({
      name: 'clip_sr_2x.mp4',
      ids: expect.arrayContaining(['hls-single']),
      preset: 'hls-single',
      jobSource: 'clip.mp4',
    });
    expect(JSON.parse(synth.stdout)).toEqual({ bucket: expect.stringContaining('Video/Vodsr') });
    const template = JSON.parse(readFileSync(join(app, 'cdk.out', 'Video.template.json'), 'utf8'));
    const lambdas = Object.values(template.Resources as Record<string, LambdaResource>).filter(
      (r) =>
        r.Type === 'AWS::Lambda::Function' &&
        r.Properties.Handler === 'index.handler' &&
        r.Properties.Runtime === 'nodejs22.x',
    );
    expect(lambdas.length).toBeGreaterThanOrEqual(3);
    for (const fn of lambdas) {
      const asset = join(app, 'cdk.out', `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`);
      expect(readdirSync(asset)).toEqual(['index.js']);
    }
  }, 240_000);
});
