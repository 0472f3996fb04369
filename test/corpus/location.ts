// Where the shared statement corpus is: STATEMENTS_DIR when set, else `shared/statements` beside
// the repository. It is never copied into the project (its files carry other licences).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's own folder: the corpus is looked for beside it, wherever the tests are run from. */
const repository = fileURLToPath(new URL('../../', import.meta.url));

export function corpusLocation(): { corpus: string | null; given: string | undefined; place: string } {
  const given = process.env.STATEMENTS_DIR || undefined;
  const place = given ? path.resolve(given) : path.resolve(repository, '..', 'shared', 'statements');
  return { corpus: fs.existsSync(path.join(place, 'EXPECTED.json')) ? place : null, given, place };
}

/** EXPECTED.json's files: path → what the file must give. */
export function corpusFiles(corpus: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(corpus, 'EXPECTED.json'), 'utf8')).files;
}
