import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The api's folder rule (README "Folders"): service ← http ← viewer. `service/` imports neither `http/` nor
// `viewer/`; `http/` does not import `viewer/`; only `index.ts` sees them all. The subpath entries
// (`entries/`: `@vodsr/api/local`, `/aws`, `/remote`) expose parts of `service/` alone. No file imports itself back.
const src = resolve(dirname(fileURLToPath(import.meta.url)), '../src');
const ALLOWED: Record<string, readonly string[]> = {
  service: ['service'],
  http: ['service', 'http'],
  viewer: ['service', 'http', 'viewer'],
  'index.ts': ['service', 'http', 'viewer'],
  entries: ['service'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every module a file imports: static, type-only, re-exports and dynamic `import()`. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'([^']+)'/g)].map((m) => m[1] ?? '');
  return specs;
}

function room(file: string): string {
  return relative(src, file).split('/')[0] ?? '';
}

const files = sourceFiles(src);
const graph = new Map<string, string[]>(
  files.map((f) => [
    f,
    importsOf(f)
      .filter((s) => s.startsWith('.'))
      .map((s) => resolve(dirname(f), s.replace(/\.js$/, '.ts'))),
  ]),
);

describe('api folders', () => {
  it('point one way: service ← http ← viewer', () => {
    const wrong: string[] = [];
    for (const [from, tos] of graph) {
      for (const to of tos) {
        if (!(ALLOWED[room(from)] ?? []).includes(room(to)))
          wrong.push(`${relative(src, from)} → ${relative(src, to)}`);
      }
    }
    expect(files.length).toBeGreaterThan(20);
    expect(wrong).toEqual([]);
  });

  it('have no import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (f: string, path: string[]): void => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...path.slice(path.indexOf(f)), f].map((p) => relative(src, p)).join(' → '));
        return;
      }
      state.set(f, 'open');
      for (const to of graph.get(f) ?? []) visit(to, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of files) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('hold no dev pipeline and import no infra-cdk', () => {
    expect(files.filter((f) => room(f) === 'dev')).toEqual([]);
    expect(files.filter((f) => importsOf(f).some((s) => s.startsWith('@vodsr/infra-cdk')))).toEqual([]);
  });
});
