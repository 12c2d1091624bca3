// A program's own words on their way to an operator's terminal (a log's
// last line in `dpd-ctl status`): every control character but tab is written
// as an escape, so they cannot move the cursor or rewrite another row.

/** `text` with each C0 and C1 control character but tab, and DEL, as `\xNN` (ESC as `\x1b`). */
export function visible(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
