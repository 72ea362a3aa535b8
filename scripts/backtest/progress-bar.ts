/** Where a long run reports how far it got. */
export interface Progress {
  advance(done: number, total: number, label: string): void;
  finish(): void;
}

const WIDTH = 30;

/** A one-line bar redrawn in place on `stream`; silent unless the stream is a terminal, so logs and pipes stay clean. */
export function progressBar(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { advance: () => {}, finish: () => {} };
  let drawn = false;
  return {
    advance(done, total, label) {
      const filled = total > 0 ? Math.round((WIDTH * Math.min(done, total)) / total) : 0;
      stream.write(
        `\r[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${done}/${total} ${label}\u001b[K`,
      );
      drawn = true;
    },
    finish() {
      if (drawn) stream.write('\r\u001b[K');
    },
  };
}
