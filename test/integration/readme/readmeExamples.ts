import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The examples README.md shows, extracted so a test can run or validate each one:
 * every command line of a fenced `sh`/`bash` block, every `yaml` block, every
 * location string (in inline code, fenced blocks and the Locations table) and every
 * inline `lakehouse …` command.
 */
export const README_PATH = resolve(import.meta.dirname, '../../../README.md');

export interface FencedBlock {
  lang: string;
  body: string;
  /** 1-based line of the opening fence. */
  line: number;
}

export function fencedBlocks(markdown: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    blocks.push({ lang: open[1]!.toLowerCase(), body: body.join('\n'), line: start + 1 });
  }
  return blocks;
}

/** The markdown outside fenced blocks (where inline code and tables live). */
export function prose(markdown: string): string {
  return markdown.replace(/^```\w*\s*\n[\s\S]*?^```\s*$/gm, '');
}

/** A command line of a shell block, as written (trailing comment kept apart). */
export interface ShellLine {
  text: string;
  comment: string;
  line: number;
}

export function shellLines(blocks: FencedBlock[]): ShellLine[] {
  return blocks
    .filter((b) => b.lang === 'sh' || b.lang === 'bash' || b.lang === 'shell')
    .flatMap((b) =>
      b.body.split('\n').flatMap((raw, i) => {
        const hash = raw.search(/\s#\s/);
        const text = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
        if (!text || text.startsWith('#')) return [];
        return [{ text, comment: hash >= 0 ? raw.slice(hash).trim() : '', line: b.line + 1 + i }];
      }),
    );
}

/** Inline code spans of the prose (table cells included; `\|` inside a table cell is a literal `|`). */
export function inlineCode(markdown: string): string[] {
  return [...prose(markdown).matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!.replace(/\\\|/g, '|'));
}

const LOCATION = /^(?:onelake|abfss|azurite):\/\/\S|^https:\/\/[^/\s]*(?:onelake\.|\.core\.windows\.net)/i;

/**
 * Every location string the README shows: inline code that is a location, and
 * location tokens in shell blocks (arguments and comments). A location with `…`
 * is prose ("a pasted `abfss://…` URL"), not an example, and is left out by rule.
 */
export function locationStrings(markdown: string): string[] {
  const inline = inlineCode(markdown).filter((c) => LOCATION.test(c));
  // Shell blocks only: a yaml value may hold spaces (the yaml test parses those whole).
  const fenced = fencedBlocks(markdown)
    .filter((b) => b.lang === 'sh' || b.lang === 'bash' || b.lang === 'shell')
    .flatMap((b) => b.body.split(/\s+/))
    .map((t) => t.replace(/^["']|["',)]$/g, ''))
    .filter((t) => LOCATION.test(t));
  return [...new Set([...inline, ...fenced])].filter((l) => !l.includes('…'));
}

/** Inline `lakehouse …` / `npx lakehouse …` commands (not `lakehouse.*` settings). */
export function inlineCommands(markdown: string): string[] {
  return [...new Set(inlineCode(markdown).filter((c) => /^(?:npx )?lakehouse [a-z-]/.test(c)))];
}

/**
 * Turns a README command (or synopsis) into argv: drops `npx lakehouse`, opens
 * `[optional]` parts (every optional part is exercised), takes the first of
 * `a|b` alternatives, and lets `fill` replace placeholders (`<lakehouse>`,
 * `[lakehouse]`, `sel…`, `NAME`, `ID`), given the flag they follow.
 */
export function toArgv(text: string, fill: (placeholder: string, flag: string | undefined) => string): string[] {
  const body = text.replace(/^(?:npx )?lakehouse\s+/, '');
  const tokens = [...body.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1] : m[2]!));
  const argv: string[] = [];
  let flag: string | undefined;
  for (const raw of tokens) {
    const isPlaceholderGroup = /^\[[a-z]+\]$/.test(raw) || /^<[a-z-]+>$/.test(raw);
    let token = isPlaceholderGroup ? raw : raw.replace(/^\[/, '').replace(/\]$/, '');
    if (!isPlaceholderGroup && /^[\w-]+(\|[\w-]+)+$/.test(token)) token = token.split('|')[0]!;
    if (isPlaceholderGroup || /…$/.test(token) || /^[A-Z]+$/.test(token)) token = fill(token, flag);
    argv.push(token);
    flag = token.startsWith('-') ? token : undefined;
  }
  return argv;
}

export function readReadme(): string {
  return readFileSync(README_PATH, 'utf8');
}
