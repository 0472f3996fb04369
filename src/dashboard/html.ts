// A tiny HTML template tag for the dashboard's server-rendered pages. Every interpolated value is
// escaped unless it is already Html (the result of another `html` template, or `trusted` text
// written in this code): a connection's external_id, a webhook's response body or an event's data
// comes from outside and can never become markup.

/** Markup that is safe to insert as it is. */
export class Html {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

/** A value a template accepts: nothing, text, a number, markup, or a list of them. */
export type Part = Html | string | number | bigint | boolean | null | undefined | readonly Part[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text as it may appear in an element or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character]!);
}

function render(part: Part): string {
  if (part instanceof Html) return part.text;
  if (part === null || part === undefined || part === false || part === true) return '';
  if (Array.isArray(part)) return part.map(render).join('');
  return escapeHtml(String(part));
}

/** html`<p>${value}</p>`: the literal parts are markup, every value is escaped. */
export function html(strings: TemplateStringsArray, ...values: readonly Part[]): Html {
  let text = strings[0]!;
  for (let i = 0; i < values.length; i += 1) text += render(values[i]) + strings[i + 1]!;
  return new Html(text);
}

/** Markup built by this code (never from input), inserted as it is. */
export const trusted = (text: string): Html => new Html(text);
