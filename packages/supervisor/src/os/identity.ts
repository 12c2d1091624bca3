// Users and groups from /etc/passwd and /etc/group, read when they change.
// Numeric ids pass through without an entry.
import { readFileSync } from 'node:fs';
import { burstStat } from './burst-cache.js';

export interface Account {
  name: string | undefined;
  uid: number;
  gid: number;
  home: string | undefined;
}

interface Database {
  stamps: string;
  users: Map<string, Account>;
  groups: Map<string, { gid: number; members: string[] }>;
  groupsById: Map<number, { name: string; members: string[] }>;
  /** groupsOf() answers, by user name (the database is read again when it changes). */
  memberships: Map<string, number[]>;
}

let cache: Database | undefined;
/** Why the last read of the files failed (the OS's code), if it did. */
let unreadable: string | undefined;

/**
 * The OS's code (EMFILE, ENOMEM…) when the last look-up could not read /etc/passwd or /etc/group, so that a name it
 * did not find may exist; undefined when the files were read (a missing file counts as empty).
 */
export const databaseFailure = (): string | undefined => unreadable;

/** What tells that a file changed: its inode, size and mtime ('-' when unreadable). */
function stamp(file: string): string {
  try {
    const stat = burstStat(file);
    return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  } catch {
    return '-';
  }
}

function database(passwd = '/etc/passwd', group = '/etc/group'): Database {
  // A burst of spawns stats the files once (burst-cache.ts).
  const stamps = `${stamp(passwd)} ${stamp(group)}`;
  if (cache?.stamps === stamps) return cache;
  unreadable = undefined;
  const lines = (file: string) => {
    try {
      return readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line && !line.startsWith('#'));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') unreadable ??= code ?? 'EIO';
      return [];
    }
  };
  const users = new Map<string, Account>();
  for (const line of lines(passwd)) {
    const [name, , uid, gid, , home] = line.split(':');
    if (name) users.set(name, { name, uid: Number(uid), gid: Number(gid), home });
  }
  const groups = new Map<string, { gid: number; members: string[] }>();
  const groupsById = new Map<number, { name: string; members: string[] }>();
  for (const line of lines(group)) {
    const [name, , gid, members = ''] = line.split(':');
    if (!name) continue;
    const entry = { gid: Number(gid), members: members.split(',').filter(Boolean) };
    groups.set(name, entry);
    groupsById.set(entry.gid, { name, members: entry.members });
  }
  const read = { stamps, users, groups, groupsById, memberships: new Map() };
  // One that could not be read is not kept: the next look-up reads again.
  if (unreadable === undefined) cache = read;
  return read;
}

/** A user by name or id; undefined for an unknown name. A bare id without an entry keeps gid = uid's own. */
export function lookupUser(user: string | number): Account | undefined {
  const db = database();
  const numeric = typeof user === 'number' ? user : /^[0-9]+$/.test(user) ? Number(user) : undefined;
  if (numeric !== undefined) {
    for (const account of db.users.values()) if (account.uid === numeric) return account;
    return { name: undefined, uid: numeric, gid: numeric, home: undefined };
  }
  return db.users.get(user as string);
}

/** A group id by name or id; undefined for an unknown name. */
export function lookupGroup(group: string | number): number | undefined {
  if (typeof group === 'number') return group;
  if (/^[0-9]+$/.test(group)) return Number(group);
  return database().groups.get(group)?.gid;
}

/** The supplementary groups the group database gives a user: its primary group and every group listing it. */
export function groupsOf(account: Account): number[] {
  const db = database();
  const key = `${account.name ?? ''}:${account.gid}`;
  let gids = db.memberships.get(key);
  if (!gids) {
    const found = new Set([account.gid]);
    if (account.name) {
      for (const [gid, entry] of db.groupsById) if (entry.members.includes(account.name)) found.add(gid);
    }
    gids = [...found];
    db.memberships.set(key, gids);
  }
  return [...gids];
}
