import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES } from '@vodsr/core';
import { describe, expect, it } from 'vitest';

// Every package lists exactly the workspace packages (`@vodsr/*`) its `src` imports, and dependencies point one
// way: core ← (host-scripts, ssm-runner, mediaconvert-presets) ← (infra-cdk, api) ← cli. Inside the middle layer
// ssm-runner carries host-scripts' command line to the host, so it sits just above it.
const packages = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const LAYER: Record<string, number> = {
  core: 0,
  'host-scripts': 1,
  'ssm-runner': 1.5,
  'mediaconvert-presets': 1,
  'infra-cdk': 2,
  api: 2,
  cli: 3,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.(ts|mts)$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

function importedWorkspacePackages(pkg: string): string[] {
  const names = new Set<string>();
  for (const f of sourceFiles(join(packages, pkg, 'src'))) {
    for (const m of readFileSync(f, 'utf8').matchAll(
      /(?:from\s+|import\s*\(\s*|import\s+)'(@vodsr\/[a-z-]+)/g,
    ))
      if (m[1] !== `@vodsr/${pkg}`) names.add(m[1] ?? '');
  }
  return [...names].sort();
}

function declaredWorkspacePackages(pkg: string): string[] {
  const json = JSON.parse(readFileSync(join(packages, pkg, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
  };
  return Object.keys({ ...json.dependencies, ...json.peerDependencies })
    .filter((n) => n.startsWith('@vodsr/'))
    .sort();
}

describe('workspace dependencies', () => {
  for (const pkg of Object.keys(LAYER)) {
    it(`${pkg} lists exactly the @vodsr packages its src imports, all of a lower layer`, () => {
      const imported = importedWorkspacePackages(pkg);
      expect(declaredWorkspacePackages(pkg)).toEqual(imported);
      const upward = imported.filter((n) => (LAYER[n.slice('@vodsr/'.length)] ?? 99) >= (LAYER[pkg] ?? 0));
      expect(upward).toEqual([]);
    });
  }
});

describe('coded errors', () => {
  const files = Object.keys(LAYER).flatMap((pkg) => sourceFiles(join(packages, pkg, 'src')));

  it('throws no plain Error anywhere in packages/*/src', () => {
    const plain = files.filter((f) => /new Error\(/.test(readFileSync(f, 'utf8')));
    expect(files.length).toBeGreaterThan(50);
    expect(plain).toEqual([]);
  });

  it('uses only codes of ERROR_CODES in VodsrErrors, job errors and problems', () => {
    const unknown = new Set<string>();
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/(?:new VodsrError\(|problem\(|code: )\s*'(VODSR_[A-Z0-9_]+)'/g))
        if (!((m[1] ?? '') in ERROR_CODES)) unknown.add(`${f.slice(packages.length + 1)}: ${m[1]}`);
    }
    expect([...unknown]).toEqual([]);
    expect(ERROR_CODES).toMatchObject({
      VODSR_NOT_FOUND: { status: 404 },
      VODSR_BAD_REQUEST: { status: 400 },
      VODSR_MEDIA_LINK_INVALID: { status: 403 },
    });
  });
});

describe('import graph', () => {
  it('has no cycle inside any package (static, type-only and dynamic imports)', () => {
    const cycles: string[] = [];
    for (const pkg of Object.keys(LAYER)) {
      const src = join(packages, pkg, 'src');
      const files = sourceFiles(src);
      const graph = new Map(
        files.map((f) => [
          f,
          [...readFileSync(f, 'utf8').matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.[^']+)'/g)].map((m) =>
            resolve(dirname(f), (m[1] ?? '').replace(/\.js$/, '.ts')),
          ),
        ]),
      );
      const state = new Map<string, 'open' | 'done'>();
      const visit = (f: string, path: string[]): void => {
        if (state.get(f) === 'done') return;
        if (state.get(f) === 'open') {
          cycles.push(
            [...path.slice(path.indexOf(f)), f].map((p) => `${pkg}/${relative(src, p)}`).join(' → '),
          );
          return;
        }
        state.set(f, 'open');
        for (const to of graph.get(f) ?? []) visit(to, [...path, f]);
        state.set(f, 'done');
      };
      for (const f of files) visit(f, []);
    }
    expect(cycles).toEqual([]);
  });
});
