// Answers that hold for one burst: the code that runs before it next yields
// (the end of the current job, when queued microtasks run). A burst of
// starts (an apply() of 200) asks the file system the same questions many
// times: the same program, the same working directory, the same user
// database. Asked once per burst, it costs a few system calls instead of
// hundreds, and whatever runs after it looks again, so a change on disk is
// seen by the next start, even by a caller that awaited the last one.
import { accessSync, constants, statSync, type Stats } from 'node:fs';

/** `compute`, remembered by key until the current burst ends. */
export function perBurst<R>(compute: (key: string) => R): (key: string) => R {
  const answers = new Map<string, R>();
  let clearing = false;
  return (key) => {
    if (answers.has(key)) return answers.get(key)!;
    const answer = compute(key);
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

const statOrError = perBurst((path): Stats | Error => {
  try {
    return statSync(path);
  } catch (error) {
    return error as Error;
  }
});

/** statSync(path), asked once per burst; it throws as statSync does. */
export function burstStat(path: string): Stats {
  const answer = statOrError(path);
  if (answer instanceof Error) throw answer;
  return answer;
}

/** Whether this process may execute path (access X_OK), asked once per burst. */
export const burstExecutable = perBurst((path) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
});
