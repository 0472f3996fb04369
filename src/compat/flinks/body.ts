// Flinks request bodies, read as Flinks' clients really write them. Flinks' own guide to
// /Investments prints its body with a comma missing between two members
// (`"RequestId":"…"` then, on the next line, `"MostRecentCached": true`), so code copied from it
// sends that; and Flinks' documents and client libraries spell the same key in several cases
// (`LoginId`, `loginId`, `Username`, `username`). The reader accepts both, and nothing looser.

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const BARE = /[-+.0-9A-Za-z]/;

/** Where the string starting at `start` (a quote) ends, just after its closing quote; -1 if never. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i + 1;
  }
  return -1;
}

/** Whether the string that ended at `end` is a key: the next significant character is a colon. */
function isKey(text: string, end: number): boolean {
  let i = end;
  while (i < text.length && WHITESPACE.has(text[i]!)) i++;
  return text[i] === ':';
}

/**
 * The text with a comma inserted wherever a value (a string, a number, true, false, null, or a
 * closing } or ]) is followed, across whitespace holding a line break, by `"key":`: exactly the
 * missing comma between two members written on their own lines. Strings are skipped whole, so
 * nothing is ever inserted inside one.
 */
function withMissingCommas(text: string): string {
  const inserts: number[] = [];
  // The index just after the last value, while only whitespace followed it; -1 otherwise.
  let valueEnd = -1;
  let lineBreak = false;
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (WHITESPACE.has(char)) {
      if (char === '\n' || char === '\r') lineBreak = true;
      i++;
      continue;
    }
    if (char === '"') {
      const end = stringEnd(text, i);
      if (end < 0) break;
      if (valueEnd >= 0 && lineBreak && isKey(text, end)) inserts.push(valueEnd);
      valueEnd = end;
      i = end;
    } else if (char === '}' || char === ']') {
      i++;
      valueEnd = i;
    } else if (BARE.test(char)) {
      let end = i + 1;
      while (end < text.length && BARE.test(text[end]!)) end++;
      const token = text.slice(i, end);
      valueEnd = token === 'true' || token === 'false' || token === 'null' || NUMBER.test(token) ? end : -1;
      i = end;
    } else {
      valueEnd = -1;
      i++;
    }
    lineBreak = false;
  }
  if (inserts.length === 0) return text;
  let repaired = '';
  let from = 0;
  for (const at of inserts) {
    repaired += `${text.slice(from, at)},`;
    from = at;
  }
  return repaired + text.slice(from);
}

/**
 * A Flinks request body: JSON, or JSON whose only fault is a comma missing between two members on
 * their own lines (one retry with the commas put back). Anything else throws the SyntaxError of
 * the text as sent.
 */
export function parseFlinksJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const repaired = withMissingCommas(text);
    if (repaired === text) throw error;
    try {
      return JSON.parse(repaired);
    } catch {
      throw error;
    }
  }
}

/**
 * A member of a body, by its name in any case (`LoginId`, `loginId`, `LOGINID`): the exact spelling
 * first, else the first member of the same name ignoring case. Undefined when absent or when the
 * body is not an object.
 */
export function field(body: unknown, name: string): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const members = body as Record<string, unknown>;
  if (Object.hasOwn(members, name)) return members[name];
  const wanted = name.toLowerCase();
  for (const key of Object.keys(members)) if (key.toLowerCase() === wanted) return members[key];
  return undefined;
}
