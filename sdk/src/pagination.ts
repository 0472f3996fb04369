// The API's lists answer pages of `{ data, has_more, next_cursor }`: the next page is asked for
// with `cursor=<next_cursor>` until `has_more` is false. A PagedList reads them lazily; the sync
// feed (GET /v1/transactions/sync) pages the same way, with its own page shape and restart rule.
import { ConflictError } from './errors.ts';

/** A page of a list, as the API answers it. */
export interface Page<T> {
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
  total?: number;
}

type FetchPage<P> = (cursor: string | undefined) => Promise<P>;

/** The pages from `first` on, following `next_cursor` while `has_more`. */
async function* pagesOf<P extends { has_more: boolean; next_cursor: string | null }>(
  fetchPage: FetchPage<P>,
  first: string | undefined,
): AsyncGenerator<P> {
  // A server answering a cursor it already gave would otherwise loop for ever.
  const seen = new Set<string>();
  let cursor = first;
  for (;;) {
    const page = await fetchPage(cursor);
    yield page;
    if (!page.has_more || !page.next_cursor) return;
    if (seen.has(page.next_cursor)) throw new Error(`the API answered the cursor ${page.next_cursor} twice`);
    seen.add(page.next_cursor);
    cursor = page.next_cursor;
  }
}

/** What a list and the sync feed share: how a page is read, and the cursor they start from. */
abstract class CursorPages<P> {
  protected readonly fetchPage: FetchPage<P>;
  protected readonly firstCursor: string | undefined;

  constructor(fetchPage: FetchPage<P>, firstCursor?: string) {
    this.fetchPage = fetchPage;
    this.firstCursor = firstCursor;
  }

  /** One page: the first, or the one at `cursor` (a page's `next_cursor`). */
  page(cursor: string | undefined = this.firstCursor): Promise<P> {
    return this.fetchPage(cursor);
  }
}

/**
 * A list method's answer. `for await (const item of list)` reads every item of every page, one page
 * at a time; `page()` reads just the first (with `total` when the query asked for `count`);
 * `pages()` iterates page by page. Nothing is sent until one of them is used, and each use reads
 * the list afresh.
 */
export class PagedList<T, P extends Page<T> = Page<T>> extends CursorPages<P> implements AsyncIterable<T> {
  pages(): AsyncGenerator<P> {
    return pagesOf(this.fetchPage, this.firstCursor);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for await (const page of this.pages()) yield* page.data;
  }

  /** Every item, in the list's order. */
  async toArray(): Promise<T[]> {
    const items: T[] = [];
    for await (const item of this) items.push(item);
    return items;
  }
}

/** A page of the sync feed. */
export interface SyncPage<T, R> {
  added: T[];
  modified: T[];
  removed: R[];
  next_cursor: string;
  has_more: boolean;
}

/** Everything since a cursor, and the cursor to ask from next time. */
export interface SyncUpdate<T, R> {
  added: T[];
  modified: T[];
  removed: R[];
  /** Store it: the next sync starts from here. */
  next_cursor: string;
}

/** A loop that restarts more often than this is given up: the connection is being refreshed. */
const MAX_SYNC_RESTARTS = 3;

/**
 * The sync feed from a cursor (none: from the beginning). `for await (const page of feed)` reads
 * the pages of one update until `has_more` is false; `collect()` merges them, starting again from
 * `restart_cursor` when the data changes between two pages (409 SYNC_MUTATION_DURING_PAGINATION).
 */
export class SyncFeed<T, R, P extends SyncPage<T, R> = SyncPage<T, R>>
  extends CursorPages<P>
  implements AsyncIterable<P>
{
  [Symbol.asyncIterator](): AsyncGenerator<P> {
    return pagesOf(this.fetchPage, this.firstCursor);
  }

  async collect(): Promise<SyncUpdate<T, R>> {
    let from = this.firstCursor;
    for (let restarts = 0; ; restarts++) {
      const update: SyncUpdate<T, R> = { added: [], modified: [], removed: [], next_cursor: from ?? '' };
      try {
        for await (const page of pagesOf(this.fetchPage, from)) {
          update.added.push(...page.added);
          update.modified.push(...page.modified);
          update.removed.push(...page.removed);
          update.next_cursor = page.next_cursor;
        }
        return update;
      } catch (error) {
        const restart = restartCursorOf(error);
        if (restart === undefined || restarts >= MAX_SYNC_RESTARTS) throw error;
        from = restart;
      }
    }
  }
}

function restartCursorOf(error: unknown): string | undefined {
  if (!(error instanceof ConflictError) || error.code !== 'SYNC_MUTATION_DURING_PAGINATION') return undefined;
  const cursor = error.problem.restart_cursor;
  return typeof cursor === 'string' ? cursor : undefined;
}
