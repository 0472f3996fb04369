// The element tree of an OFX body, built from text written in pieces. OFX 1.x is SGML (leaf
// elements without closing tags), 2.x is XML; one tokenizer reads both: an element followed by text
// is a leaf (its closing tag, if any, is skipped); an element followed by another tag is an
// aggregate that ends at its closing tag.

export interface Node {
  name: string;
  value: string | null;
  children: Node[];
  line: number;
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function decodeValue(text: string): string {
  const unwrapped = text.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1');
  return unwrapped
    .replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (match, entity: string) => {
      if (entity.startsWith('#x') || entity.startsWith('#X'))
        return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
      if (entity.startsWith('#')) return String.fromCodePoint(Number(entity.slice(1)));
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
    for (const match of scan.matchAll(/<\/([A-Za-z0-9_.]+)\s*>/g)) this.#closed.add(match[1]!.toUpperCase());
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

  #consume(final: boolean): void {
    if (!this.#started) return;
    const buffer = this.#buffer;
    const limit = final ? buffer.length : buffer.length - LOOKAHEAD;
    // <![CDATA[…]]> is kept whole inside a value; tags are <NAME>, </NAME> or <NAME/>.
    const pattern = /<!\[CDATA\[[\s\S]*?\]\]>|<(\/?)([A-Za-z0-9_.]+)\s*(\/?)>|[^<]+/y;
    let position = 0;
    while (position < limit) {
      pattern.lastIndex = position;
      const match = pattern.exec(buffer);
      // A tag or CDATA section cut by the end of this piece: wait for the next one.
      if (!match) break;
      const [token, closing, name, selfClosing] = match;
      if (name === undefined && !final && pattern.lastIndex === buffer.length) break;
      position = pattern.lastIndex;
      this.#token(token, closing, name, selfClosing);
      this.#line += countLines(token);
    }
    this.#buffer = buffer.slice(position);
  }

  #token(
    token: string,
    closing: string | undefined,
    name: string | undefined,
    selfClosing: string | undefined,
  ) {
    const pending = this.#pending;
    if (name === undefined) {
      if (pending && token.trim() !== '') pending.node.value = (pending.node.value ?? '') + token;
      return;
    }
    const upper = name.toUpperCase();
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
      if (onStack) this.#stack.push(node);
      this.#pending = { node, onStack };
    }
  }
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
