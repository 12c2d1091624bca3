// LineLog while its writes fail (a full disk): the lines dropped are counted
// and reported once when writes begin to fail and once when they succeed
// again. The file is real; the failures come from an injected writer.
import { readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LineLog, type DropReport, type Writer } from '@diprocd/supervisor/host';
import { tempDir } from '@diprocd/test-utils';

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

/** A writer that fails with ENOSPC while `full`, after writing `room` bytes more (a partial write). */
function disk(): { writer: Writer; fill: (room?: number) => void; free: () => void } {
  let full = false;
  let room = 0;
  const writer: Writer = (fd, buffer, offset) => {
    if (!full) return writeSync(fd, buffer, offset);
    if (room === 0) throw enospc();
    const wrote = writeSync(fd, buffer, offset, Math.min(room, buffer.length - offset));
    room -= wrote;
    return wrote;
  };
  return {
    writer,
    fill: (left = 0) => {
      full = true;
      room = left;
    },
    free: () => {
      full = false;
    },
  };
}

let dir: string;
beforeEach(() => {
  dir = tempDir('line-log');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes lines `from`..`to` as one input chunk (a flush), as the relay does; false when the flush failed. */
function chunk(log: LineLog, from: number, to: number): boolean {
  for (let n = from; n <= to; n++) log.write(`line ${n} end`);
  try {
    log.flush();
    return true;
  } catch (error) {
    expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    return false;
  }
}

describe('LineLog with a full disk', () => {
  it('counts the lines it drops, and says so once when writes fail and once when they succeed again', () => {
    const file = join(dir, 'out.log');
    const { writer, fill, free } = disk();
    const reports: DropReport[] = [];
    const log = new LineLog({ file, writer, onDrops: (report) => reports.push(report) });

    expect(chunk(log, 1, 3)).toBe(true);
    fill();
    expect(chunk(log, 4, 6)).toBe(false);
    expect(reports).toEqual([{ recovered: false, lines: 3, code: 'ENOSPC' }]);
    expect(chunk(log, 7, 7)).toBe(false);
    expect(chunk(log, 8, 10)).toBe(false);
    expect(reports).toHaveLength(1); // said once, however many writes fail
    expect(log.dropped).toBe(7);
    free();
    expect(chunk(log, 11, 12)).toBe(true);
    expect(reports).toEqual([
      { recovered: false, lines: 3, code: 'ENOSPC' },
      { recovered: true, lines: 7, code: 'ENOSPC' },
    ]);
    expect(log.dropped).toBe(0);
    expect(chunk(log, 13, 13)).toBe(true);
    expect(reports).toHaveLength(2);
    log.close();
    expect(readFileSync(file, 'utf8')).toBe([1, 2, 3, 11, 12, 13].map((n) => `line ${n} end\n`).join(''));
  });

  it('counts a line cut short as dropped, and ends it before the next line', () => {
    const file = join(dir, 'out.log');
    const { writer, fill, free } = disk();
    const reports: DropReport[] = [];
    const log = new LineLog({ file, writer, onDrops: (report) => reports.push(report) });
    // Room for line 1 ("line 1 end\n", 11 bytes) and 4 bytes of line 2.
    fill(15);
    expect(chunk(log, 1, 3)).toBe(false);
    expect(reports).toEqual([{ recovered: false, lines: 2, code: 'ENOSPC' }]);
    free();
    expect(chunk(log, 4, 4)).toBe(true);
    expect(reports[1]).toEqual({ recovered: true, lines: 2, code: 'ENOSPC' });
    log.close();
    // Every whole line in the file is one that was not counted as dropped.
    const text = readFileSync(file, 'utf8');
    expect(text).toBe('line 1 end\nline\nline 4 end\n');
    const whole = text.split('\n').filter((line) => /^line \d+ end$/.test(line));
    expect(whole).toHaveLength(4 - reports[1]!.lines);
  });

  it('keeps a line that lacks only its newline, and ends it', () => {
    const file = join(dir, 'out.log');
    const { writer, fill, free } = disk();
    const reports: DropReport[] = [];
    const log = new LineLog({ file, writer, onDrops: (report) => reports.push(report) });
    fill(10); // "line 1 end" without its newline
    expect(chunk(log, 1, 3)).toBe(false);
    free();
    expect(chunk(log, 4, 4)).toBe(true);
    log.close();
    expect(reports).toEqual([
      { recovered: false, lines: 2, code: 'ENOSPC' },
      { recovered: true, lines: 2, code: 'ENOSPC' },
    ]);
    expect(readFileSync(file, 'utf8')).toBe('line 1 end\nline 4 end\n');
  });

  it('counts line by line when each line is written and synced at once', () => {
    const file = join(dir, 'out.log');
    const { writer, fill, free } = disk();
    const reports: DropReport[] = [];
    const log = new LineLog({ file, writer, sync: true, onDrops: (report) => reports.push(report) });
    log.write('a');
    fill();
    for (const line of ['b', 'c', 'd']) expect(() => log.write(line)).toThrow('ENOSPC');
    free();
    log.write('e');
    log.close();
    expect(reports).toEqual([
      { recovered: false, lines: 1, code: 'ENOSPC' },
      { recovered: true, lines: 3, code: 'ENOSPC' },
    ]);
    expect(readFileSync(file, 'utf8')).toBe('a\ne\n');
  });
});
