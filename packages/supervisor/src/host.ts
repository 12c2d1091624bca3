// @diprocd/supervisor/host: the pieces of this host the supervisor is built
// on that diprocd's daemons and job runner use too: files replaced in one
// step, pid files, the line log of dpd-log and the log relay, the user
// database. An embedder of the Supervisor needs none of them, so they are
// not in index.ts. Adding to it is a semver commitment, like index.ts.
export { writeFileAtomic, writePidFile, readPidFile, removePidFile } from './os/atomic-file.js';
export { LineLog } from './relay/line-log.js';
export { lookupUser } from './os/identity.js';

export type { DropReport, LineLogOptions, Writer } from './relay/line-log.js';
export type { Account } from './os/identity.js';
