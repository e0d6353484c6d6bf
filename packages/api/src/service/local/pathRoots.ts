import { lstatSync, mkdirSync, realpathSync, type Stats, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { parseLocation, type ValidationIssue } from '@vodsr/core';

/** Where a served job may read and write on the local disk (`vodsr serve --input-root DIR…`). */
export interface PathRoots {
  /** Folders a job's local source must be inside (after resolving every symlink). */
  readonly input: readonly string[];
  /** The folder a job's local output must be inside. */
  readonly output: string;
}

/** Kernel file systems whose "files" are not media, whatever the roots say. */
const SPECIAL_TREES = ['/proc', '/sys', '/dev'];

function inside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function real(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isDirectory()) return 'a folder';
  return 'not a regular file';
}

/** The realpaths of the roots that exist (a root that does not exist admits nothing). */
function realRoots(roots: readonly string[]): string[] {
  return roots.map((r) => real(resolve(r))).filter((r): r is string => r !== undefined);
}

/**
 * Checks a local source against the input roots: it must exist, resolve (symlinks included) inside one of them,
 * be a regular file, and not live under `/proc`, `/sys` or `/dev`. S3 sources are not the disk's business.
 * Returns the problems (empty when allowed), each naming the rule it breaks.
 *
 * @example sourceIssues('/etc/passwd', { input: ['/srv/media'], output: '/srv/out' }) // [{ path: '/source', … }]
 */
export function sourceIssues(source: string, roots: PathRoots): ValidationIssue[] {
  const loc = parseLocation(source);
  if (loc.kind !== 'file') return [];
  const asked = resolve(loc.path);
  const issue = (message: string): ValidationIssue[] => [{ path: '/source', message }];
  const names = roots.input.map((r) => resolve(r)).join(', ');
  if (SPECIAL_TREES.some((t) => inside(asked, t))) {
    return issue(`${asked} is on a special file system (/proc, /sys, /dev): only media files are read`);
  }
  let link: Stats;
  try {
    link = lstatSync(asked);
  } catch {
    return issue(`no such file: ${asked}`);
  }
  const target = real(asked);
  if (target === undefined) return issue(`no such file: ${asked} (a dangling symlink)`);
  const allowed = realRoots(roots.input);
  if (!allowed.some((r) => inside(target, r))) {
    const why =
      target !== asked && allowed.some((r) => inside(asked, r))
        ? 'a symlink that leaves the input roots'
        : '';
    return issue(
      why
        ? `${asked} is ${why} (it points to ${target}; input roots: ${names})`
        : `${asked} is outside the input roots (${names}): start the server with --input-root to allow a folder`,
    );
  }
  if (SPECIAL_TREES.some((t) => inside(target, t))) {
    return issue(`${asked} resolves to ${target}, on a special file system: only media files are read`);
  }
  const st = link.isSymbolicLink() ? statSync(target) : link;
  if (!st.isFile()) return issue(`${asked} is ${kindOf(st)}: a source must be a regular file`);
  return [];
}

/**
 * Checks a local output location against the output root: the deepest existing folder of it must resolve inside
 * the root (so no symlink on the way leaves it). Creates nothing but the root itself.
 *
 * @example outputIssues('/tmp/elsewhere/', { input: ['.'], output: '/srv/out' }) // [{ path: '/output', … }]
 */
export function outputIssues(output: string, roots: PathRoots): ValidationIssue[] {
  const loc = parseLocation(output);
  if (loc.kind !== 'file') return [];
  const root = resolve(roots.output);
  mkdirSync(root, { recursive: true });
  const realRoot = real(root) ?? root;
  const asked = resolve(loc.path);
  let probe = asked;
  let existing = real(probe);
  while (existing === undefined && dirname(probe) !== probe) {
    probe = dirname(probe);
    existing = real(probe);
  }
  // the deepest existing part must be inside the root; what does not exist yet is created by the job, inside it
  const rest = relative(probe, asked);
  const effective = existing === undefined ? asked : resolve(existing, rest);
  if (!inside(effective, realRoot)) {
    return [
      {
        path: '/output',
        message: `${asked} is outside the output root (${root})${effective !== asked && inside(asked, root) ? ' through a symlink' : ''}: a served job writes only under it`,
      },
    ];
  }
  return [];
}

/**
 * True when a location is local media the roots allow a viewer to serve: a regular file inside an input root or
 * the output root (symlinks resolved). S3 locations are allowed (their access is the S3 client's).
 *
 * @example mediaAllowed('/etc/hostname', roots) === false
 */
export function mediaAllowed(location: string, roots: PathRoots): boolean {
  const loc = parseLocation(location);
  if (loc.kind !== 'file') return true;
  const target = real(resolve(loc.path));
  if (target === undefined || SPECIAL_TREES.some((t) => inside(target, t))) return false;
  const within = realRoots([...roots.input, roots.output]).some((r) => inside(target, r));
  if (!within) return false;
  try {
    return statSync(target).isFile() || statSync(target).isDirectory();
  } catch {
    return false;
  }
}
