// Answers that hold for one burst: the synchronous run of code that asks
// first, until the microtasks queued so far have run. A burst of starts (an
// apply() of 200) asks the file system the same questions many times: the
// same program, the same working directory, the same user database. Asked
// once per burst, it costs a few system calls instead of hundreds. Only
// answers that found something are kept: the supervisor itself may create a
// missing directory mid-burst (a log's), and a path that vanishes after its
// check fails at the exec with the real reason. Whatever runs after the
// burst looks again, so a change on disk is seen by the next start, even by
// a caller that awaited the last one.
import { accessSync, constants, statSync, type Stats } from 'node:fs';

/** `compute`, remembered by key until the current burst ends (the answers `keep` accepts). */
export function perBurst<R>(compute: (key: string) => R, keep: (answer: R) => boolean): (key: string) => R {
  const answers = new Map<string, R>();
  let clearing = false;
  return (key) => {
    if (answers.has(key)) return answers.get(key)!;
    const answer = compute(key);
    if (!keep(answer)) return answer;
    answers.set(key, answer);
    if (!clearing) {
      clearing = true;
      queueMicrotask(() => {
        answers.clear();
        clearing = false;
      });
    }
    return answer;
  };
}

const statOrError = perBurst(
  (path): Stats | Error => {
    try {
      return statSync(path);
    } catch (error) {
      return error as Error;
    }
  },
  (answer) => !(answer instanceof Error),
);

/** statSync(path), asked once per burst; it throws as statSync does. */
export function burstStat(path: string): Stats {
  const answer = statOrError(path);
  if (answer instanceof Error) throw answer;
  return answer;
}

/** Whether this process may execute path (access X_OK), asked once per burst. */
export const burstExecutable = perBurst(
  (path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  },
  (executable) => executable,
);
