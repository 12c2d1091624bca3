// The name a downloaded file gets in the job directory. Shared by
// validation and normalisation so a name that passed validation is the
// name the file is written under, and no name can leave the directory.

/**
 * A download file name: not empty, not "." or "..", no "/" and no NUL.
 * The object form's keys must match it as written.
 */
export const FILE_NAME_PATTERN = '^(?!\\.\\.?$)[^/\\u0000]+$';

/** The words for a file name, in every message about one. */
export const FILE_NAME_WORDS = 'a file name (not "." or "..", without "/" or NUL)';

/** True when a name is a download file name (see FILE_NAME_PATTERN). */
export function isFileName(name: string): boolean {
  return new RegExp(FILE_NAME_PATTERN, 'u').test(name);
}

/**
 * The file name a URL gives when `download_urls` is a list: its last path
 * segment, %-decoded. The check comes after decoding, because "..%2F..%2Fetc"
 * decodes to "../../etc". `undefined` when the URL does not parse or its
 * last segment is not a file name.
 */
export function urlBasename(url: string): string | undefined {
  let name: string;
  try {
    name = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
  } catch {
    return undefined;
  }
  return isFileName(name) ? name : undefined;
}
