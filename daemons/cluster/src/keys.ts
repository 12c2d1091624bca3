// Key references in master and client files: a key file path, or the
// 40-character Z85 key itself. Z85 has "/", "." and "-" among its
// characters, so an existing file wins over reading the text as a key.
import { existsSync } from 'node:fs';
import { isZ85Key, readKeyFile } from '@diprocd/transport';

/** The Z85 key a reference names (a key file is read and checked: mode 0600 for a secret one). */
export const resolveKey = (ref: string): string => (!existsSync(ref) && isZ85Key(ref) ? ref : readKeyFile(ref));
