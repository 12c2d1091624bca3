// What a job spec looks like to someone who may read it but not its
// secrets: URL credentials (`https://user:pw@host/…`) and config values
// hidden, env values hidden. The master's API, dpd-ctl and the job
// runner's own log lines show specs and URLs only through these.
import type { JobSpec } from '../normalise/types.js';

/** What stands in for a hidden value. */
export const HIDDEN = '(hidden)';

// scheme:, any slashes (a URL parser takes "https:///u:p@host" and "https:\\u:p@host" as
// "https://u:p@host"), then userinfo up to its "@" (it ends where the authority would: "/", "\", "?", "#", a space).
const CREDENTIALS = /([a-z][a-z0-9+.-]*:[/\\]+)[^\s/\\?#]*@/giu;

/** `text` with the credentials of every URL in it replaced: `https://(hidden)@host/x`. */
export const redactUrls = (text: string): string => text.replace(CREDENTIALS, `$1${HIDDEN}@`);

/** The keys of `values`, each with its value hidden. */
export const redactValues = <T>(values: Record<string, T>): Record<string, string> =>
  Object.fromEntries(Object.keys(values).map((key) => [key, HIDDEN]));

/**
 * A job spec safe to show: URL credentials hidden wherever a URL may be
 * (downloads, package indexes, the command), and the values of `config`
 * and `env` hidden (their keys stay, so a reader sees what is set).
 */
export function redactJobSpec(spec: JobSpec): JobSpec {
  const url = (value: string | null) => (value === null ? null : redactUrls(value));
  return {
    ...spec,
    name: url(spec.name),
    cmd: spec.cmd.map(redactUrls),
    // "pkg @ https://u:pw@host/…", "git+https://u:token@host/…": how private packages are named.
    python_deps: spec.python_deps.map(redactUrls),
    npm_deps: spec.npm_deps.map(redactUrls),
    download_urls: Object.fromEntries(
      Object.entries(spec.download_urls).map(([name, value]) => [name, redactUrls(value)]),
    ),
    python_cheeseshop: url(spec.python_cheeseshop),
    npm_registry: url(spec.npm_registry),
    config: redactValues(spec.config),
    env: redactValues(spec.env),
  };
}
