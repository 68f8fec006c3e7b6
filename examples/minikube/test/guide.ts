/**
 * Keeps README.md and the scripts from drifting apart.
 *
 * - In the scripts (up.sh, demo.sh, down.sh, lib.sh), the lines between `# >>> guide: NAME` and `# <<< guide` are a
 *   region. In the README, a block fenced as ```sh up.sh#NAME shows that region, verbatim (indentation removed).
 *   Every region is shown exactly once, and every such block matches its region.
 * - A block fenced as ```sh offline [requires=tool,tool] needs no cluster: the tests run it.
 * - A block fenced as ```sh docker needs a Docker engine (docker-host README only): the tests check its syntax.
 * - Any other sh/bash/shell block is an error, so nothing escapes both checks.
 *
 * `npx tsx examples/minikube/test/guide.ts --write` rewrites the README's region blocks from the scripts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXAMPLE_DIR = fileURLToPath(new URL('..', import.meta.url));
export const SCRIPTS = ['up.sh', 'demo.sh', 'down.sh', 'lib.sh'] as const;

export interface Region {
  file: string;
  name: string;
  text: string;
}

export interface Block {
  lang: string;
  tag: string;
  attrs: Record<string, string>;
  text: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** Character offsets of the block body in the README. */
  start: number;
  end: number;
}

function dedent(lines: string[]): string {
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut)).join('\n');
}

/** The guide regions of one script. */
export function scriptRegions(file: string, text: string): Region[] {
  const regions: Region[] = [];
  let open: { name: string; lines: string[] } | undefined;
  for (const [i, line] of text.split('\n').entries()) {
    const start = /^\s*# >>> guide: ([a-z0-9-]+)\s*$/.exec(line);
    if (start) {
      if (open) throw new Error(`${file}:${i + 1}: region ${start[1]} opens inside ${open.name}`);
      open = { name: start[1]!, lines: [] };
    } else if (/^\s*# <<< guide\s*$/.test(line)) {
      if (!open) throw new Error(`${file}:${i + 1}: region end without start`);
      regions.push({ file, name: open.name, text: dedent(open.lines) });
      open = undefined;
    } else if (open) open.lines.push(line);
  }
  if (open) throw new Error(`${file}: region ${open.name} is not closed`);
  return regions;
}

export function allRegions(dir = EXAMPLE_DIR): Region[] {
  return SCRIPTS.flatMap((f) => scriptRegions(f, readFileSync(join(dir, f), 'utf8')));
}

/** Fenced code blocks of a Markdown text. */
export function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const fence = /^```([^\n`]*)\n([\s\S]*?)^```[ \t]*$/gm;
  for (let m = fence.exec(markdown); m; m = fence.exec(markdown)) {
    const [lang = '', tag = '', ...rest] = m[1]!.trim().split(/\s+/);
    const attrs: Record<string, string> = {};
    for (const r of rest) {
      const eq = r.indexOf('=');
      attrs[eq < 0 ? r : r.slice(0, eq)] = eq < 0 ? '' : r.slice(eq + 1);
    }
    const start = m.index + m[0].indexOf('\n') + 1;
    blocks.push({
      lang,
      tag,
      attrs,
      text: m[2]!.replace(/\n$/, ''),
      line: markdown.slice(0, m.index).split('\n').length,
      start,
      end: start + m[2]!.length,
    });
  }
  return blocks;
}

/**
 * What the guide says a block prints: the `code` spans of the sentence right after the block, when that sentence
 * starts with "You should see" (the sentence ends at the first full stop outside a code span).
 */
export function promisedOutput(markdown: string, block: Block): string[] {
  const after = markdown.slice(block.end).replace(/^```[^\n]*\n\s*/, '');
  if (!after.startsWith('You should see')) return [];
  let sentence = '';
  let inCode = false;
  for (let i = 0; i < after.length; i++) {
    const ch = after[i]!;
    if (ch === '`') inCode = !inCode;
    else if (!inCode && ch === '.' && /\s/.test(after[i + 1] ?? ' ')) break;
    sentence += ch;
  }
  return [...sentence.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
}

export const SHELL_LANGS = new Set(['sh', 'bash', 'shell', 'console', 'zsh']);

/** Rewrites every `sh FILE#REGION` block of the README from the scripts; returns the new text. */
export function syncReadme(markdown: string, regions: Region[]): string {
  let out = '';
  let at = 0;
  for (const b of codeBlocks(markdown)) {
    const region = regions.find((r) => `${r.file}#${r.name}` === b.tag);
    if (!SHELL_LANGS.has(b.lang) || !region) continue;
    out += `${markdown.slice(at, b.start)}${region.text}\n`;
    at = b.end;
  }
  return out + markdown.slice(at);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && process.argv[2] === '--write') {
  const readme = join(EXAMPLE_DIR, 'README.md');
  writeFileSync(readme, syncReadme(readFileSync(readme, 'utf8'), allRegions()));
}
