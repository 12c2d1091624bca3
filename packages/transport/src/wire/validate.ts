// Shape checks of incoming messages. Each returns a description of the first
// problem, or undefined when the value has the shape.

export type Check = (value: unknown, path: string) => string | undefined;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const found = (value: unknown) => (value === undefined ? 'nothing' : JSON.stringify(value)?.slice(0, 60));

export const string: Check = (value, path) =>
  typeof value === 'string' && value.length > 0
    ? undefined
    : `${path}: expected a non-empty string, found ${found(value)}`;
export const revision: Check = (value, path) =>
  Number.isSafeInteger(value) && (value as number) >= 0
    ? undefined
    : `${path}: expected an integer ≥ 0, found ${found(value)}`;
export const positive: Check = (value, path) =>
  typeof value === 'number' && value > 0 && Number.isFinite(value)
    ? undefined
    : `${path}: expected a number > 0, found ${found(value)}`;
export const array: Check = (value, path) =>
  Array.isArray(value) ? undefined : `${path}: expected an array, found ${found(value)}`;
export const defined: Check = (value, path) =>
  value === undefined ? `${path}: expected a JSON value, found nothing` : undefined;
const numberOrNull: Check = (value, path) =>
  value === null || typeof value === 'number' ? undefined : `${path}: expected a number or null, found ${found(value)}`;
const stringOrNull: Check = (value, path) =>
  value === null || typeof value === 'string' ? undefined : `${path}: expected a string or null, found ${found(value)}`;

/** Checks each field of an object with its check. */
export function fields(value: unknown, path: string, checks: Record<string, Check>): string | undefined {
  if (!isObject(value)) return `${path}: expected an object, found ${found(value)}`;
  for (const [key, check] of Object.entries(checks)) {
    const problem = check(value[key], `${path}.${key}`);
    if (problem) return problem;
  }
  return undefined;
}

/** What a message carries: exactly one of `box` (a sealed box, base64) and `body` (an object, in plaintext). */
export function carried(message: Record<string, unknown>): string | undefined {
  const { box, body } = message;
  if (box !== undefined && body !== undefined) return 'message: expected one of box and body, found both';
  if (box !== undefined)
    return typeof box === 'string' && box.length > 0 && /^[A-Za-z0-9+/]+=*$/.test(box)
      ? undefined
      : `message.box: expected base64 text, found ${found(box)}`;
  return isObject(body)
    ? undefined
    : `message.body: expected an object (or a sealed message.box), found ${found(body)}`;
}

/** `{epoch, revision}` or null. */
export const applied: Check = (value, path) =>
  value === null ? undefined : fields(value, path, { epoch: string, revision });

/** A map of node name → revision. */
export const revisions: Check = (value, path) => {
  if (!isObject(value)) return `${path}: expected an object, found ${found(value)}`;
  for (const [node, rev] of Object.entries(value)) {
    const problem = revision(rev, `${path}[${JSON.stringify(node)}]`);
    if (problem) return problem;
  }
  return undefined;
};

const lastExit: Check = (value, path) =>
  value === null ? undefined : fields(value, path, { code: numberOrNull, signal: stringOrNull });
const proc: Check = (value, path) =>
  fields(value, path, { name: string, state: string, pid: numberOrNull, restarts: revision, lastExit });

/** A NodeReport or null. */
export const report: Check = (value, path) => {
  if (value === null) return undefined;
  const problem = fields(value, path, { revision, load: array, procs: array });
  if (problem) return problem;
  const { load, procs, extra } = value as Record<string, unknown[]>;
  if (load!.length !== 3 || load!.some((n) => typeof n !== 'number'))
    return `${path}.load: expected 3 numbers, found ${found(load)}`;
  for (const [index, item] of procs!.entries()) {
    const itemProblem = proc(item, `${path}.procs[${index}]`);
    if (itemProblem) return itemProblem;
  }
  if (extra !== undefined && !isObject(extra)) return `${path}.extra: expected an object, found ${found(extra)}`;
  return undefined;
};
