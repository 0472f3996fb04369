// What is running, for /version and the API documents: the package version, the commit it was
// built from (TESORO_COMMIT, set by the container build, or the checkout's own HEAD) and the Node.
import fs from 'node:fs';

const root = new URL('../', import.meta.url);

export const packageVersion: string = JSON.parse(
  fs.readFileSync(new URL('package.json', root), 'utf8'),
).version;

/** The checkout's HEAD commit, read from .git without running git; null outside a checkout. */
function checkoutCommit(): string | null {
  try {
    const head = fs.readFileSync(new URL('.git/HEAD', root), 'utf8').trim();
    if (!head.startsWith('ref: ')) return /^[0-9a-f]{40}$/.test(head) ? head : null;
    const ref = head.slice(5);
    const loose = new URL(`.git/${ref}`, root);
    if (fs.existsSync(loose)) return fs.readFileSync(loose, 'utf8').trim();
    const packed = fs.readFileSync(new URL('.git/packed-refs', root), 'utf8');
    return (
      packed
        .split('\n')
        .find((line) => line.endsWith(` ${ref}`))
        ?.slice(0, 40) ?? null
    );
  } catch {
    return null;
  }
}

export function buildInfo(env: Readonly<Record<string, string | undefined>>) {
  const given = env.TESORO_COMMIT?.trim();
  return {
    version: packageVersion,
    commit: given && /^[0-9a-f]{7,40}$/.test(given) ? given : checkoutCommit(),
    node: process.version,
  };
}
