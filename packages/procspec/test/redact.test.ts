// What a job spec shows to a reader: the bug this guards is a download URL
// with credentials (https://user:pw@host/x) and config values served as
// they were, by API reads that need no token.
import { describe, expect, it } from 'vitest';
import { normalise, redactJobSpec, redactUrls } from '@diprocd/procspec';

describe('redaction', () => {
  it('hides the credentials of every URL in a text, and only those', () => {
    expect(redactUrls('get https://user:pw@example.test/a?b=c@d and ftp://tok@h, keep http://h/x@y mail@host')).toBe(
      'get https://(hidden)@example.test/a?b=c@d and ftp://(hidden)@h, keep http://h/x@y mail@host',
    );
    expect(redactUrls('https://a:b@c@host:8080/p')).toBe('https://(hidden)@host:8080/p');
    // Bug: with more slashes (or backslashes) a URL parser still finds the credentials, and they were shown.
    expect(redactUrls('https:///alice:pw@h/x https:////bob:pw@h/ http:\\\\carol:pw@h/')).toBe(
      'https:///(hidden)@h/x https:////(hidden)@h/ http:\\\\(hidden)@h/',
    );
    expect(new URL('https:///alice:pw@h/x').password).toBe('pw');
  });

  it('hides URL credentials, config values and env values of a job spec, keeping the keys', () => {
    const spec = normalise('job', {
      cmd: ['curl', 'https://u:cmdpw@h/x'],
      download_urls: { 'a.tar': 'https://u:dlpw@h/a.tar', 'b.txt': 'http://h/b.txt' },
      config: { password: 'cfgpw', nested: { token: 'deep' }, n: 3 },
      env: { KEY: 'envpw' },
      python_cheeseshop: 'https://u:pypw@pypi.test/simple',
      npm_registry: 'https://u:npmpw@npm.test/',
      // Bug: private packages named with their URL were shown with their credentials.
      python_deps: ['requests', 'tool @ https://u:pydeppw@h/tool.whl'],
      npm_deps: ['git+https://u:npmdeppw@h/repo.git'],
      name: 'fetch https://u:namepw@h/',
    });
    const shown = redactJobSpec(spec);
    expect(shown).toMatchObject({
      cmd: ['curl', 'https://(hidden)@h/x'],
      download_urls: { 'a.tar': 'https://(hidden)@h/a.tar', 'b.txt': 'http://h/b.txt' },
      config: { password: '(hidden)', nested: '(hidden)', n: '(hidden)' },
      env: { KEY: '(hidden)' },
      python_cheeseshop: 'https://(hidden)@pypi.test/simple',
      npm_registry: 'https://(hidden)@npm.test/',
      python_deps: ['requests', 'tool @ https://(hidden)@h/tool.whl'],
      npm_deps: ['git+https://(hidden)@h/repo.git'],
      name: 'fetch https://(hidden)@h/',
    });
    expect(JSON.stringify(shown)).not.toMatch(/pw|deep/);
    // The spec itself is left as it was.
    expect(spec.download_urls['a.tar']).toBe('https://u:dlpw@h/a.tar');
  });
});
