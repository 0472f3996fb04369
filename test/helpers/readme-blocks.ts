// The README's fenced code blocks as data, for test/readme.test.ts: where each sits (its heading and
// line), its language, its text; which of them are shell; and a plan that names every shell block
// as run or excluded, so a block added to the README cannot go untested without anyone deciding so.
// Pure functions: no files, no processes.

export interface FencedBlock {
  /** The fence's info string up to the first space (`sh`, `sql`, …); '' when the fence has none. */
  language: string;
  /** The nearest heading above the block, without its `#`s. */
  heading: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The block's content, without the indentation of its fence (a block inside a list item). */
  text: string;
}

/** Languages a reader pastes into a terminal. */
export const SHELL_LANGUAGES: ReadonlySet<string> = new Set(['sh', 'bash', 'shell', 'console', 'zsh']);

const FENCE = /^( *)(`{3,}|~{3,})\s*([^\s`]*)/;
const HEADING = /^#{1,6}\s+(.*?)\s*#*\s*$/;

/** Every fenced block of a Markdown document, in order (lines inside a fence are never headings). */
export function fencedBlocks(markdown: string): FencedBlock[] {
  const lines = markdown.split('\n');
  const blocks: FencedBlock[] = [];
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const open = FENCE.exec(line);
    if (!open) {
      const title = HEADING.exec(line);
      if (title) heading = title[1]!;
      continue;
    }
    const [indent, fence, language] = [open[1]!, open[2]!, open[3]!];
    const body: string[] = [];
    let j = i + 1;
    // The closing fence: the same character, at least as long, nothing after it (CommonMark).
    const close = new RegExp(`^ *${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    for (; j < lines.length && !close.test(lines[j]!); j++) {
      const content = lines[j]!;
      body.push(content.startsWith(indent) ? content.slice(indent.length) : content.trimStart());
    }
    blocks.push({ language, heading, line: i + 1, text: `${body.join('\n')}\n` });
    i = j;
  }
  return blocks;
}

export interface ShellBlock extends FencedBlock {
  /** The heading, and `#n` for the n-th shell block under it from the second on: how plans name it. */
  name: string;
}

/** The shell blocks, named. */
export function shellBlocks(markdown: string): ShellBlock[] {
  const seen = new Map<string, number>();
  return fencedBlocks(markdown)
    .filter((block) => SHELL_LANGUAGES.has(block.language))
    .map((block) => {
      const n = (seen.get(block.heading) ?? 0) + 1;
      seen.set(block.heading, n);
      return { ...block, name: n === 1 ? block.heading : `${block.heading} #${n}` };
    });
}

export type Planned<Run> =
  | { block: ShellBlock; kind: 'run'; run: Run }
  | { block: ShellBlock; kind: 'excluded'; reason: string };

export interface Plan<Run> {
  /** Every shell block, in README order, with what is done with it. */
  planned: Planned<Run>[];
  /** Blocks neither run nor excluded: a README change the test has not been told about. */
  unplanned: string[];
  /** Names run or excluded that no block has any more (renamed or removed from the README). */
  stale: string[];
  /** Names both run and excluded. */
  conflicting: string[];
}

export function planBlocks<Run>(
  blocks: ShellBlock[],
  runs: Record<string, Run>,
  exclusions: Record<string, string>,
): Plan<Run> {
  const names = new Set(blocks.map((block) => block.name));
  const planned: Planned<Run>[] = [];
  const unplanned: string[] = [];
  for (const block of blocks) {
    if (Object.hasOwn(runs, block.name)) planned.push({ block, kind: 'run', run: runs[block.name]! });
    else if (Object.hasOwn(exclusions, block.name))
      planned.push({ block, kind: 'excluded', reason: exclusions[block.name]! });
    else unplanned.push(block.name);
  }
  return {
    planned,
    unplanned,
    stale: [...Object.keys(runs), ...Object.keys(exclusions)].filter((name) => !names.has(name)),
    conflicting: Object.keys(runs).filter((name) => Object.hasOwn(exclusions, name)),
  };
}

/**
 * Runs the lines that start one of `commands` (servers a reader gives a terminal of their own) in the
 * background, their output appended to `logFile`, so the lines after them run too; a trailing
 * comment is kept.
 */
export function inBackground(text: string, commands: string[], logFile: string): string {
  return text
    .split('\n')
    .map((line) => {
      const command = commands.find((c) => line === c || line.startsWith(`${c} `));
      if (!command) return line;
      const comment = /\s+#.*$/.exec(line.slice(command.length))?.[0] ?? '';
      const args = line.slice(command.length, line.length - comment.length);
      return `${command}${args} >>'${logFile}' 2>&1 &${comment}`;
    })
    .join('\n');
}

/**
 * The JSON objects and arrays in a command's output, in order — curl prints them back to back with no
 * newline, jq pretty-printed, one after another — and the lines of text around them.
 */
export function jsonValues(output: string): { values: unknown[]; text: string[] } {
  const values: unknown[] = [];
  let text = '';
  let i = 0;
  while (i < output.length) {
    const end = output[i] === '{' || output[i] === '[' ? endOfValue(output, i) : -1;
    if (end > 0) {
      try {
        values.push(JSON.parse(output.slice(i, end)));
        text += '\n';
        i = end;
        continue;
      } catch {
        // balanced brackets, but not JSON: text
      }
    }
    text += output[i];
    i++;
  }
  return {
    values,
    text: text
      .split('\n')
      .map((line) => line.trimEnd())
      .filter((line) => line !== ''),
  };
}

/** The index just after the bracket that closes the one at `start`, or -1. */
function endOfValue(output: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < output.length; i++) {
    const c = output[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}
