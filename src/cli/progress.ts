// Progress of a long import on a terminal (cli-progress): one bar per reading of the file (read and
// summarised, checked, stored), with the rate and the time left. Off the terminal (a pipe, --json,
// CI) and for small files it draws nothing.
import path from 'node:path';
import cliProgress from 'cli-progress';

export const PROGRESS_FROM = 8 * 1024 * 1024;

export interface FileProgress {
  /** Wraps one reading of the file: its pieces are counted into a bar named `phase`. */
  counted<T extends { length: number }>(phase: string, pieces: AsyncIterable<T>): AsyncIterable<T>;
  stop(): void;
}

const MB = 1048576;

export function fileProgress(
  file: string,
  size: number,
  stream: NodeJS.WriteStream = process.stderr,
): FileProgress {
  const shown = size >= PROGRESS_FROM && stream.isTTY === true;
  const bar = shown
    ? new cliProgress.SingleBar(
        {
          stream,
          format: `${path.basename(file)} {phase} [{bar}] {percentage}% {done}/{total_mb} MB, {rate} MB/s, {eta_formatted} left`,
          hideCursor: true,
          clearOnComplete: false,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  return {
    async *counted(phase, pieces) {
      if (!bar) {
        yield* pieces;
        return;
      }
      const started = Date.now();
      let read = 0;
      const payload = () => ({
        phase: phase.padEnd(8),
        done: (read / MB).toFixed(0),
        total_mb: (size / MB).toFixed(0),
        rate: (read / MB / Math.max((Date.now() - started) / 1000, 0.001)).toFixed(1),
      });
      bar.start(size, 0, payload());
      for await (const piece of pieces) {
        read += piece.length;
        bar.update(read, payload());
        yield piece;
      }
      bar.update(size, payload());
      bar.stop();
    },
    stop() {
      bar?.stop();
    },
  };
}
