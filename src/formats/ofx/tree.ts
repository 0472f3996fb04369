// The element tree of an OFX body, built from text written in pieces. OFX 1.x is SGML (leaf
// elements without closing tags), 2.x is XML; one tokenizer reads both: an element followed by text
// is a leaf (its closing tag, if any, is skipped); an element followed by another tag is an
// aggregate that ends at its closing tag.

import { MAX_ELEMENT_DEPTH, UnreadableFileError } from '../statement.ts';

export interface Node {
  name: string;
  value: string | null;
  children: Node[];
  line: number;
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/**
 * A numeric character reference as text; one that names no character PostgreSQL can store (U+0000,
 * a lone surrogate, beyond U+10FFFF) is U+FFFD, the replacement character.
 */
function codePoint(value: number): string {
  const storable =
    Number.isInteger(value) && value > 0 && value <= 0x10ffff && (value < 0xd800 || value > 0xdfff);
  return storable ? String.fromCodePoint(value) : '\uFFFD';
}

function decodeValue(text: string): string {
  // Most values have neither entities nor CDATA: no regular expression for them.
  if (!text.includes('&') && !text.includes('<![')) return text.trim();
  const unwrapped = text.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1');
  return unwrapped
    .replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (match, entity: string) => {
      if (entity.startsWith('#x') || entity.startsWith('#X'))
        return codePoint(Number.parseInt(entity.slice(2), 16));
      if (entity.startsWith('#')) return codePoint(Number(entity.slice(1)));
      return entities[entity.toLowerCase()] ?? match;
    })
    .trim();
}

/**
 * Aggregates that can span a large part of a file: known to be closed without waiting to see
 * their closing tag (every other element is decided by whether its closing tag has been seen).
 */
const AGGREGATES = new Set(
  'OFX SIGNONMSGSRSV1 SONRS STATUS FI BANKMSGSRSV1 STMTTRNRS STMTRS BANKACCTFROM BANKTRANLIST STMTTRN PAYEE LEDGERBAL AVAILBAL CREDITCARDMSGSRSV1 CCSTMTTRNRS CCSTMTRS CCACCTFROM INVSTMTMSGSRSV1 INVSTMTTRNRS INVSTMTRS INVACCTFROM INVTRANLIST INVPOSLIST INVBAL SECLISTMSGSRSV1 SECLIST'.split(
    ' ',
  ),
);
/** How much text is read ahead before elements are decided (so their closing tags are seen). */
const LOOKAHEAD = 65_536;

/**
 * Builds the element tree of an OFX body from text written in pieces. `onClose` sees every
 * element that could be closed as it closes and may return true to drop it from the tree (a streamed movement).
 */
export class OfxTreeBuilder {
  readonly root: Node = { name: '#root', value: null, children: [], line: 1 };
  readonly #stack: Node[] = [this.root];
  readonly #closed = new Set(AGGREGATES);
  readonly #onClose: (node: Node, parent: Node) => boolean;
  #buffer = '';
  #started = false;
  #line = 1;
  /** The element whose text may follow, and whether it sits on the stack (it can be closed). */
  #pending: { node: Node; onStack: boolean } | null = null;

  constructor(onClose: (node: Node, parent: Node) => boolean = () => false) {
    this.#onClose = onClose;
  }

  write(text: string): void {
    // Closing tags are noted as soon as they arrive (with an overlap for one cut between pieces).
    const scan = this.#buffer.slice(-64) + text;
    for (let open = scan.indexOf('</'); open >= 0; open = scan.indexOf('</', open + 2)) {
      const close = scan.indexOf('>', open);
      if (close < 0) break;
      const name = tagName(scan, open, close);
      if (name !== null) this.#closed.add(name);
    }
    this.#buffer += text;
    if (!this.#started) {
      const start = this.#buffer.search(/<OFX>/i);
      if (start < 0) {
        // Keep only what may be the start of a cut "<OFX>" tag; count the lines dropped.
        const keep = this.#buffer.slice(-4);
        this.#line += this.#buffer.length > 4 ? countLines(this.#buffer.slice(0, -4)) : 0;
        this.#buffer = keep;
        return;
      }
      this.#line += countLines(this.#buffer.slice(0, start));
      this.#buffer = this.#buffer.slice(start);
      this.#started = true;
    }
    this.#consume(false);
  }

  close(): void {
    this.#consume(true);
    this.#settle();
  }

  get started(): boolean {
    return this.#started;
  }

  /** The innermost open element named one of `names`. */
  openElement(names: ReadonlySet<string>): Node | undefined {
    return this.#stack.findLast((node) => names.has(node.name));
  }

  #settle(): void {
    const pending = this.#pending;
    if (pending?.node.value != null) pending.node.value = decodeValue(pending.node.value);
  }

  #pop(to: number): void {
    while (this.#stack.length > to) {
      const node = this.#stack.pop()!;
      const parent = this.#stack.at(-1)!;
      if (this.#onClose(node, parent) && parent.children.at(-1) === node) parent.children.pop();
    }
  }

  /**
   * Reads whole tokens up to `LOOKAHEAD` characters from the end of the buffer (all of it when
   * `final`): text, <![CDATA[…]]> (kept whole inside a value), <!-- comments --> (skipped whole),
   * and tags <NAME>, </NAME>, <NAME/>.
   * A scan with indexOf: a sticky regular expression over the same tokens took a third of an OFX parse.
   */
  #consume(final: boolean): void {
    if (!this.#started) return;
    const buffer = this.#buffer;
    const limit = final ? buffer.length : buffer.length - LOOKAHEAD;
    let position = 0;
    while (position < limit) {
      if (buffer.charCodeAt(position) !== 60 /* < */) {
        let end = buffer.indexOf('<', position);
        // Text that reaches the end of this piece may go on in the next one.
        if (end < 0) {
          if (!final) break;
          end = buffer.length;
        }
        this.#text(buffer.slice(position, end));
        position = end;
        continue;
      }
      // A comment ends at "-->", not at the first ">": the markup it holds (elements commented
      // out, over several lines) is not read.
      if (buffer.startsWith('<!--', position)) {
        const close = buffer.indexOf('-->', position + 4);
        if (close < 0 && !final) break;
        const end = close < 0 ? buffer.length : close + 3;
        this.#line += countLines(buffer.slice(position, end));
        position = end;
        continue;
      }
      if (buffer.startsWith('<![CDATA[', position)) {
        const close = buffer.indexOf(']]>', position + 9);
        if (close < 0 && !final) break;
        const end = close < 0 ? buffer.length : close + 3;
        this.#text(buffer.slice(position, end));
        position = end;
        continue;
      }
      const close = buffer.indexOf('>', position);
      // A tag cut by the end of this piece: wait for the next one.
      if (close < 0) {
        if (!final) break;
        this.#text(buffer.slice(position));
        position = buffer.length;
        continue;
      }
      const name = tagName(buffer, position, close);
      if (name !== null) {
        const closing = buffer.charCodeAt(position + 1) === 47; /* / */
        this.#tag(closing, name, buffer.charCodeAt(close - 1) === 47);
        // Spaces before the ">" may hold line breaks.
        if (close - position - 1 > name.length + 2) this.#line += countLines(buffer.slice(position, close));
      } else {
        const tag = buffer.slice(position + 1, close);
        // Comments and processing instructions are skipped; any other "<" is text.
        if (tag.charCodeAt(0) !== 33 /* ! */ && tag.charCodeAt(0) !== 63 /* ? */) this.#text(`<${tag}>`);
        else if (tag.includes('\n')) this.#line += countLines(tag);
      }
      position = close + 1;
    }
    this.#buffer = buffer.slice(position);
  }

  #text(token: string): void {
    const pending = this.#pending;
    if (pending && !isBlank(token)) pending.node.value = (pending.node.value ?? '') + token;
    this.#line += countLines(token);
  }

  #tag(closing: boolean, upper: string, selfClosing: boolean): void {
    const pending = this.#pending;
    this.#settle();
    // An element with text was a leaf: it ends here; its own closing tag, if this is it, is swallowed.
    const wasLeaf = pending?.onStack && pending.node.value !== null;
    if (wasLeaf) this.#pop(this.#stack.length - 1);
    const swallow = wasLeaf && closing && upper === pending!.node.name;
    this.#pending = null;
    if (swallow) return;
    if (closing) {
      const index = this.#stack.findLastIndex((node) => node.name === upper);
      if (index > 0) this.#pop(index);
      return;
    }
    const node: Node = { name: upper, value: null, children: [], line: this.#line };
    this.#stack.at(-1)!.children.push(node);
    if (!selfClosing) {
      const onStack = this.#closed.has(upper);
      if (onStack && this.#stack.length > MAX_ELEMENT_DEPTH)
        throw new UnreadableFileError(
          `elements are nested more than ${MAX_ELEMENT_DEPTH} deep (line ${this.#line})`,
        );
      if (onStack) this.#stack.push(node);
      this.#pending = { node, onStack };
    }
  }
}

/**
 * The name of the tag between `open` ("<") and `close` (">"): `<NAME>`, `</NAME>` or `<NAME/>`,
 * spaces allowed before the end, upper-cased; null when it is not a tag (a comment, a
 * processing instruction, a "<" in text). Read by character codes: this runs for every tag.
 */
function tagName(buffer: string, open: number, close: number): string | null {
  let start = open + 1;
  if (buffer.charCodeAt(start) === 47 /* / */) start += 1;
  let end = close;
  if (buffer.charCodeAt(end - 1) === 47 && end - 1 > start) end -= 1;
  while (end > start && isSpace(buffer.charCodeAt(end - 1))) end -= 1;
  if (end === start) return null;
  let lower = false;
  for (let index = start; index < end; index += 1) {
    const code = buffer.charCodeAt(index);
    if (code >= 97 && code <= 122) lower = true;
    else if (!((code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95 || code === 46))
      return null;
  }
  const name = buffer.slice(start, end);
  return lower ? upperCase(name) : name;
}

const isSpace = (code: number) => code === 32 || code === 9 || code === 10 || code === 13;

function isBlank(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) if (!isSpace(text.charCodeAt(index))) return false;
  return true;
}

/** Tag names repeat: each is upper-cased once. */
const upperNames = new Map<string, string>();
function upperCase(name: string): string {
  let upper = upperNames.get(name);
  if (upper === undefined) {
    upper = name.toUpperCase();
    if (upperNames.size < 10_000) upperNames.set(name, upper);
  }
  return upper;
}

function countLines(text: string): number {
  let count = 0;
  for (let index = text.indexOf('\n'); index >= 0; index = text.indexOf('\n', index + 1)) count += 1;
  return count;
}

/** The element tree of a whole text (everything from the first `<OFX>`). */
export function ofxTree(text: string): Node | null {
  const builder = new OfxTreeBuilder();
  builder.write(text);
  builder.close();
  return builder.root.children.find((node) => node.name === 'OFX') ?? null;
}

export const child = (node: Node | undefined, name: string) => node?.children.find((c) => c.name === name);
export const all = (node: Node | undefined, name: string): Node[] =>
  node ? node.children.flatMap((c) => (c.name === name ? [c] : all(c, name))) : [];
export const text = (node: Node | undefined, name: string) => {
  const value = child(node, name)?.value;
  return value === undefined || value === null || value === '' ? null : value;
};
