// The one line splitter of diprocd: the supervisor's log relay, dpd-log and
// the daemons' control socket cut their byte streams into lines with it. It
// lives here, in the package every other one imports, so that none of them
// has to import another for it.

/** Longest line kept whole by default; a longer one is passed in pieces of this size. */
const MAX_LINE = 64 * 1024;

/**
 * Feeds a byte stream to `onLine` line by line, as bytes (a UTF-8
 * character split between reads stays whole; other encodings pass
 * untouched). `end()` passes a last line that had no newline. A line
 * longer than `maxLine` bytes is passed in pieces of that size, or, with
 * `onTooLong`, not at all: `onTooLong` is called once for it and its bytes
 * are dropped up to its newline. Linear in the bytes pushed: each byte is
 * scanned once and copied at most twice, however the line is cut into
 * chunks (a megabyte line sent a byte at a time must not cost a terabyte
 * of copying), and at most `maxLine` bytes are held.
 */
export function splitLines(
  onLine: (line: Buffer) => void,
  maxLine = MAX_LINE,
  onTooLong?: () => void,
): { push(chunk: Buffer): void; end(): void } {
  // The line so far, as the pieces it came in.
  let parts: Buffer[] = [];
  let size = 0;
  let dropping = false;
  const emit = (tail: Buffer) => {
    const line = parts.length === 0 ? tail : Buffer.concat([...parts, tail]);
    parts = [];
    size = 0;
    onLine(line);
  };
  return {
    push(chunk) {
      for (let start = 0; start <= chunk.length;) {
        const newline = chunk.indexOf(10, start);
        let piece = chunk.subarray(start, newline < 0 ? chunk.length : newline);
        while (!dropping && size + piece.length > maxLine) {
          if (onTooLong) {
            dropping = true;
            parts = [];
            size = 0;
            onTooLong();
          } else {
            emit(piece.subarray(0, maxLine - size));
            piece = piece.subarray(maxLine - size);
          }
        }
        if (newline < 0) {
          // Copied: the rest of a large chunk is not kept alive by a few bytes.
          if (!dropping && piece.length > 0) {
            parts.push(Buffer.from(piece));
            size += piece.length;
          }
          return;
        }
        if (!dropping) emit(piece);
        dropping = false;
        start = newline + 1;
      }
    },
    end() {
      if (!dropping && size > 0) emit(Buffer.alloc(0));
      parts = [];
      size = 0;
      dropping = false;
    },
  };
}
