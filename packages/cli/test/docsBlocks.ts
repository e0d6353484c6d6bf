import { readFileSync } from 'node:fs';

/**
 * The fenced code blocks of a README, and what the docs test does with each.
 *
 * A block is run (sh/bash/shell/console), typechecked (ts/typescript; also executed with `run`), parsed (json) or
 * is text (no language, mermaid, text: trees and diagrams). An HTML comment on the line(s) just before the fence
 * changes that, always with a reason the test counts and prints:
 *
 *   <!-- docs-test: needs-aws: <reason> -->         not run: it needs an AWS account (syntax-checked only)
 *   <!-- docs-test: not-run: <reason> -->           not run, for the reason given (syntax-checked only)
 *   <!-- docs-test: server <url> [until /<re>/] --> run in the background ("terminal 1") until <url> answers, then
 *                                                   the next shell block of the file runs ("terminal 2"); then, once
 *                                                   the server printed <re>, Ctrl-C (SIGINT), which must end it
 *   <!-- docs-test: run -->                         a ts block that is also executed (compiled, then node)
 */
export type Annotation =
  | { kind: 'needs-aws' | 'not-run'; reason: string }
  | { kind: 'server'; url: string; until?: RegExp }
  | { kind: 'run' };

export type Handling = 'shell' | 'typescript' | 'json' | 'text';

export interface DocBlock {
  /** The README, relative to the repository. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string;
  handling: Handling;
  annotation?: Annotation;
}

const LANGS: Record<string, Handling> = {
  sh: 'shell',
  bash: 'shell',
  shell: 'shell',
  console: 'shell',
  ts: 'typescript',
  typescript: 'typescript',
  json: 'json',
  '': 'text',
  text: 'text',
  mermaid: 'text',
};

const ANNOTATION = /^<!--\s*docs-test:\s*(.*?)\s*-->$/;

/** Parses the text of a `docs-test:` comment; throws on anything it does not know. */
export function parseAnnotation(text: string, where: string): Annotation {
  const m = /^(needs-aws|not-run)\s*:\s*(\S.*)$/.exec(text);
  if (m) return { kind: m[1] as 'needs-aws' | 'not-run', reason: m[2] as string };
  const s = /^server\s+(https?:\/\/\S+)(?:\s+until\s+\/(.+)\/)?$/.exec(text);
  if (s) return { kind: 'server', url: s[1] as string, ...(s[2] ? { until: new RegExp(s[2]) } : {}) };
  if (text === 'run') return { kind: 'run' };
  throw new TypeError(
    `${where}: unknown docs-test annotation ${JSON.stringify(text)} (needs-aws: <reason> | not-run: <reason> | server <url> [until /re/] | run)`,
  );
}

/** Every fenced block of a markdown text; throws on a block the test cannot handle or a stray annotation. */
export function extractBlocks(markdown: string, file: string): DocBlock[] {
  const lines = markdown.split('\n');
  const blocks: DocBlock[] = [];
  let pending: { annotation: Annotation; line: number } | undefined;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] as string;
    const note = ANNOTATION.exec(line.trim());
    if (note) {
      if (pending)
        throw new TypeError(`${file}:${pending.line + 1}: docs-test annotation not followed by a block`);
      pending = { annotation: parseAnnotation(note[1] as string, `${file}:${i + 1}`), line: i };
      continue;
    }
    const fence = /^(\s*)(```+|~~~+)\s*([\w-]*)\s*$/.exec(line);
    if (!fence) {
      if (pending && line.trim() !== '')
        throw new TypeError(`${file}:${pending.line + 1}: docs-test annotation not followed by a block`);
      continue;
    }
    const [, indent, marker, lang = ''] = fence as unknown as [string, string, string, string];
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !(lines[j] as string).startsWith(`${indent}${marker}`)) {
      body.push((lines[j] as string).slice(indent.length));
      j += 1;
    }
    if (j >= lines.length) throw new TypeError(`${file}:${i + 1}: unclosed code block`);
    const handling = LANGS[lang.toLowerCase()];
    const where = `${file}:${i + 1}`;
    if (!handling)
      throw new TypeError(
        `${where}: a \`\`\`${lang} block the docs test cannot handle: use sh/bash/console, ts, json or plain text, or annotate it`,
      );
    const annotation = pending?.annotation;
    if (annotation?.kind === 'run' && handling !== 'typescript')
      throw new TypeError(`${where}: "run" is for ts blocks (shell blocks always run)`);
    if (annotation?.kind === 'server' && handling !== 'shell')
      throw new TypeError(`${where}: "server" is for shell blocks`);
    if (annotation && annotation.kind !== 'run' && handling === 'typescript')
      throw new TypeError(`${where}: ts blocks are always typechecked; only "run" applies`);
    blocks.push({
      file,
      line: i + 1,
      lang,
      code: body.join('\n'),
      handling,
      ...(annotation ? { annotation } : {}),
    });
    pending = undefined;
    i = j;
  }
  if (pending)
    throw new TypeError(`${file}:${pending.line + 1}: docs-test annotation not followed by a block`);
  return blocks;
}

/** The blocks of a README file. */
export function readmeBlocks(path: string, file: string): DocBlock[] {
  return extractBlocks(readFileSync(path, 'utf8'), file);
}

/** The commands of a console block (`$ ` lines; the rest is output), or the shell block's code unchanged. */
export function shellScript(b: DocBlock): string {
  if (b.lang !== 'console') return b.code;
  const cmds = b.code.split('\n').flatMap((l) => (l.startsWith('$ ') ? [l.slice(2)] : []));
  if (cmds.length === 0)
    throw new TypeError(`${b.file}:${b.line}: a console block with no "$ " command line`);
  return cmds.join('\n');
}
