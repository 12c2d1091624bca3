import { closeSync, constants as fsConstants, openSync, writeSync } from 'node:fs';

/** Appends DMon's status lines ("cmd start PID"…) to the -I file; a write error is reported once, not fatal. */
export class StatusFile {
  private fd: number | null;
  private warned = false;
  constructor(path: string | null) {
    this.fd =
      path === null ? null : openSync(path, fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_CREAT, 0o666);
  }
  write(line: string): void {
    if (this.fd === null) return;
    try {
      writeSync(this.fd, `${line}\n`);
    } catch (error) {
      if (!this.warned) process.stderr.write(`dpd-run: cannot write the status file: ${(error as Error).message}\n`);
      this.warned = true;
    }
  }
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
