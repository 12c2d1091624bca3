/** A refusal dpd-ctl reports as `dpd-ctl: MESSAGE [CODE]` and exits with `exitCode`. */
export class CtlError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
