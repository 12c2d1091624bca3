// Who a job runs as. The runner itself keeps the supervisor's user (its
// state file stays root's, mode 0600, where the job cannot forge it; the
// log is root's too, but the job writes to it); everything the job does — its set-up steps, its command, reading a
// file:// download, removing its directory — runs as the job's user, with
// no capabilities and only that user's primary group.
import { lookupUser } from '@diprocd/supervisor/host';

/** A job ends failed with this message as its reason. */
export class JobFailure extends Error {}

export interface JobAccount {
  uid: number;
  gid: number;
  /** For messages: `user nobody (65534)`. */
  label: string;
  /** Options for spawn: empty when the runner already is that user. */
  spawn: { uid?: number; gid?: number };
  /** What a child as this user starts from (the job's own env comes on top). */
  env: NodeJS.ProcessEnv;
}

// What a job keeps of the runner's environment: enough to find programs and
// speak the node's language, nothing of the daemons' own settings.
const KEPT_ENV = ['PATH', 'LANG', 'LANGUAGE', 'LC_ALL', 'LC_CTYPE', 'TZ'];
const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

/** The user a job runs as when neither it nor its node names one: nobody under root, else the runner's own. */
export const defaultJobUser = (): string | number => (process.getuid!() === 0 ? 'nobody' : process.getuid!());

const namesRoot = (user: string | number | null | undefined) =>
  user === 'root' || (user !== null && user !== undefined && /^[0-9]+$/.test(String(user)) && Number(user) === 0);

/**
 * The account job work runs as: the job's own `user` (which the caller
 * allowed), else the node's `nodeUser`, else the default. It is root (uid
 * 0) only when the job itself asks for "root" or 0: a node's default, or
 * a name that is another name of uid 0 here, is refused. `home` becomes
 * its HOME (the work directory: tools that write a cache there clean up
 * with the job).
 */
export function jobAccount(
  specUser: string | number | null | undefined,
  nodeUser: string | number | null | undefined,
  home: string,
): JobAccount {
  const user = specUser ?? nodeUser ?? defaultJobUser();
  const account = lookupUser(user);
  if (!account) throw new JobFailure(`user ${JSON.stringify(user)}: no such user on this node`);
  const label = `user ${account.name ?? account.uid} (${account.uid})`;
  if (account.uid === 0 && !namesRoot(specUser))
    throw new JobFailure(
      `${JSON.stringify(user)} is root on this node (uid 0): a job runs as root only when its spec asks for user "root" and the master file allows it`,
    );
  const own = process.getuid!();
  if (own !== 0 && account.uid !== own)
    throw new JobFailure(`cannot run as ${label}: the job runner runs as uid ${own}, not root`);
  const same = account.uid === own && account.gid === process.getgid!();
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    KEPT_ENV.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]]])),
  );
  env.PATH ??= DEFAULT_PATH;
  env.HOME = home;
  if (account.name) env.USER = env.LOGNAME = account.name;
  return { uid: account.uid, gid: account.gid, label, spawn: same ? {} : { uid: account.uid, gid: account.gid }, env };
}
