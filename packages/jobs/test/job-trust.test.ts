// A job runs as an unprivileged user and reads only what it may (issue 14,
// part 3): each attack tried on a real runner under a real Supervisor, with
// real files, a real HTTP server on loopback and the kernel's own account of
// the job's identity (/proc/self/status).
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { normalise, normaliseProc } from '@diprocd/procspec';
import { jobProc, readJobLogTail, writeJobSpec } from '@diprocd/jobs';
import { describe, expect, it } from 'vitest';
import { httpServerPerFile } from './helpers.js';
import { jobBenchPerTest, type JobBench } from './job-helpers.js';

let bench: JobBench;
jobBenchPerTest((b) => (bench = b));

const ROOT = process.getuid!() === 0;
const nobody = (() => {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('nobody:'));
  return line ? { uid: Number(line.split(':')[2]), gid: Number(line.split(':')[3]) } : null;
})();
/** Skips (saying why) where the runner cannot switch users: the other path is the "own user" test below. */
const needsRoot = (context: { skip: () => void }) => {
  if (ROOT && nobody) return;
  console.log(`skipped: ${ROOT ? 'this machine has no user nobody' : 'the runner switches users only as root'}`);
  context.skip();
};

const web = httpServerPerFile({
  '/big.bin': Buffer.alloc(64 * 1024, 1),
  // No Content-Length: only counting the bytes as they come can stop it.
  '/chunked.bin': (_req, res) => {
    res.write(Buffer.alloc(32 * 1024, 2));
    res.end(Buffer.alloc(32 * 1024, 2));
  },
  '/six.bin': Buffer.alloc(6_000, 3),
  '/private.txt': (req, res) => {
    const allowed = req.headers.authorization === `Basic ${Buffer.from('alice:s3cret pw').toString('base64')}`;
    res.statusCode = allowed ? 200 : 401;
    res.end(allowed ? 'private\n' : 'no');
  },
});

/** The lines of /proc/self/status that say who a process is and what it may do. */
const IDENTITY = `grep -E '^(Uid|Gid|Groups|CapEff|CapPrm):' /proc/self/status`;
const fields = (text: string) =>
  Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((line) => line.split(/:\s*/) as [string, string]),
  );

describe('who a job runs as', () => {
  // Bug: jobs ran as root (CapEff 000001fffeffffff).
  it("runs a job as nobody by default, without capabilities or groups, in a directory it owns; the runner's files stay root's", async (context) => {
    needsRoot(context);
    const out = join(bench.shared, 'identity');
    await bench.submit('1', { cmd: `${IDENTITY} > ${out}; stat -c '%u %a' . settings.json >> ${out}` });
    const record = await bench.finished('1');
    expect([record.state, record.reason]).toEqual(['success', null]);
    const [status, owners] = [
      readFileSync(out, 'utf8').split('\n').slice(0, 5).join('\n'),
      readFileSync(out, 'utf8').split('\n').slice(5, 7),
    ];
    expect(fields(status)).toEqual({
      Uid: `${nobody!.uid}\t${nobody!.uid}\t${nobody!.uid}\t${nobody!.uid}`,
      Gid: `${nobody!.gid}\t${nobody!.gid}\t${nobody!.gid}\t${nobody!.gid}`,
      Groups: '',
      CapPrm: '0000000000000000',
      CapEff: '0000000000000000',
    });
    expect(owners).toEqual([`${nobody!.uid} 700`, `${nobody!.uid} 600`]);
    for (const file of ['1.spec.json', '1.state.json', '1.log'])
      expect([file, statSync(join(bench.jobs, file)).uid, statSync(join(bench.jobs, file)).mode & 0o777]).toEqual([
        file,
        0,
        0o600,
      ]);
    expect(readJobLogTail(bench.jobs, '1', 10_000)).toContain(`runs as user nobody (${nobody!.uid})`);
    expect(existsSync(record.workdir!)).toBe(false);
  });

  it("runs a job as the node's job_user, and as the spec's own user over it (the master allowed that one)", async (context) => {
    needsRoot(context);
    await bench.submit('2', { cmd: `${IDENTITY} > ${join(bench.shared, 'two')}` }, { user: 'nobody' });
    await bench.submit('3', { cmd: `${IDENTITY} > ${join(bench.shared, 'three')}`, user: 'root' }, { user: 'nobody' });
    expect((await bench.finished('2')).state).toBe('success');
    expect((await bench.finished('3')).state).toBe('success');
    expect(fields(readFileSync(join(bench.shared, 'two'), 'utf8')).CapEff).toBe('0000000000000000');
    expect(fields(readFileSync(join(bench.shared, 'three'), 'utf8')).Uid).toBe('0\t0\t0\t0');
  });

  // Bug: a node job_user of "0" passed the client file's check, and a name that is uid 0 ran jobs as root.
  it('runs a job as root only when its own spec asks for root: not as a node default that is uid 0', async (context) => {
    needsRoot(context);
    for (const [id, user] of [
      ['40', '0'],
      ['41', 'root'],
    ] as const) {
      await bench.submit(id, { cmd: 'true' }, { user });
      expect((await bench.finished(id)).reason).toBe(
        `${JSON.stringify(user)} is root on this node (uid 0): a job runs as root only when its spec asks for user "root" and the master file allows it`,
      );
    }
    await bench.submit('42', { cmd: 'true', user: '00' });
    expect((await bench.finished('42')).state).toBe('success');
  });

  // Bug: the work directory's removal ran as the job's user with the worker's whole environment,
  // which any process of that user could read in /proc/PID/environ while it ran.
  it("gives the job user's removal of its directory none of the worker's environment", async (context) => {
    needsRoot(context);
    // The removal's chmod, found first on the PATH the runner passes on, writes down the environment it was given.
    const shims = join(bench.shared, 'shims');
    mkdirSync(shims, { mode: 0o755 });
    writeFileSync(join(shims, 'chmod'), `#!/bin/sh\nenv > ${bench.shared}/removal-env\nexec /bin/chmod "$@"\n`, {
      mode: 0o755,
    });
    // The runner starts with a worker's environment, secrets and all (the proc's env comes on top of the worker's own).
    writeJobSpec(bench.jobs, '43', normalise('job', { cmd: 'true' }));
    await bench.sup.apply([
      normaliseProc({
        ...jobProc(bench.jobs, '43'),
        env: { DPD_WORKER_SECRET: 'worker-secret-4711', PATH: `${shims}:${process.env.PATH}` },
      }),
    ]);
    expect((await bench.finished('43')).state).toBe('success');
    const seen = readFileSync(join(bench.shared, 'removal-env'), 'utf8');
    expect(seen).toContain(`HOME=`);
    expect(seen).not.toContain('DPD_WORKER_SECRET');
  });

  it('fails a job whose user does not exist, saying so, and removes its directory', async () => {
    await bench.submit('4', { cmd: 'true' }, { user: 'no-such-user-dpd' });
    const record = await bench.finished('4');
    expect(record).toMatchObject({
      state: 'failed',
      code: null,
      reason: 'user "no-such-user-dpd": no such user on this node',
      workdirRemoved: true,
    });
    expect(existsSync(record.workdir!)).toBe(false);
  });

  it("runs a job as the runner's own user when that is not root (no switch needed), and refuses another user there", async (context) => {
    if (ROOT) {
      console.log(
        'skipped: run as a user other than root to test this path (here the runner is root: the tests above cover it)',
      );
      context.skip();
    }
    await bench.submit('5', { cmd: `${IDENTITY} > ${join(bench.shared, 'five')}` });
    expect((await bench.finished('5')).state).toBe('success');
    expect(fields(readFileSync(join(bench.shared, 'five'), 'utf8')).Uid!.split('\t')[0]).toBe(
      String(process.getuid!()),
    );
    await bench.submit('6', { cmd: 'true', user: 'root' });
    expect((await bench.finished('6')).reason).toBe(
      `cannot run as user root (0): the job runner runs as uid ${process.getuid!()}, not root`,
    );
  });

  it("removes the work directory as its owner: a link the job leaves to a directory of root's takes nothing of root's with it", async (context) => {
    needsRoot(context);
    const precious = bench.box.path('precious');
    mkdirSync(precious);
    writeFileSync(join(precious, 'keep.txt'), "root's\n");
    chmodSync(precious, 0o755);
    // A directory it locked (mode 0), a link to root's directory, a link to root's file.
    await bench.submit('7', {
      cmd: `mkdir -p locked/deep && touch locked/deep/f && chmod 0 locked/deep locked && ln -s ${precious} dir-link && ln -s ${precious}/keep.txt file-link`,
    });
    const record = await bench.finished('7');
    expect([record.state, record.workdirRemoved, existsSync(record.workdir!)]).toEqual(['success', true, false]);
    expect(readFileSync(join(precious, 'keep.txt'), 'utf8')).toBe("root's\n");
  });
});

describe('what a job may download', () => {
  // Bug: file:///etc/shadow was copied into the job dir, then served in its failure log.
  it('refuses file:// when the node allows no directories, and outside the ones it allows, before touching the path', async () => {
    await bench.submit('10', { cmd: 'true', download_urls: { shadow: 'file:///etc/shadow' } });
    expect((await bench.finished('10')).reason).toBe(
      'download shadow: file:///etc/shadow: file:// is refused: the node allows no directories (job_file_dirs)',
    );
    await bench.submit(
      '11',
      { cmd: 'true', download_urls: { shadow: 'file:///etc/shadow', missing: 'file:///nonexistent/x' } },
      { fileDirs: [bench.shared] },
    );
    expect((await bench.finished('11')).reason).toBe(
      `download shadow: file:///etc/shadow: file:// reads only files that exist under the node's job_file_dirs (${bench.shared})`,
    );
    // Written with "..": the URL's path is resolved before it is compared.
    const up = `file://${bench.shared}/../../../etc/shadow`;
    await bench.submit('12', { cmd: 'true', download_urls: { up } }, { fileDirs: [bench.shared] });
    expect((await bench.finished('12')).reason).toBe(
      `download up: ${up}: file:// reads only files that exist under the node's job_file_dirs (${bench.shared})`,
    );
    for (const id of ['10', '11', '12']) expect(readJobLogTail(bench.jobs, id, 100_000)).not.toMatch(/^root:/m);
  });

  it('refuses a link inside an allowed directory that leads out of it', async () => {
    symlinkSync('/etc/shadow', join(bench.shared, 'shadow-link'));
    await bench.submit(
      '13',
      { cmd: 'true', download_urls: { s: pathToFileURL(join(bench.shared, 'shadow-link')).href } },
      { fileDirs: [bench.shared] },
    );
    expect((await bench.finished('13')).reason).toBe(
      `download s: ${pathToFileURL(join(bench.shared, 'shadow-link')).href}: file:// reads only files that exist under the node's job_file_dirs (${bench.shared})`,
    );
  });

  // Bug: a link in an allowed directory told whether a root-only path existed (refused) or not (ENOENT).
  it('refuses a link to an existing and to a missing path outside alike', async () => {
    symlinkSync('/etc/shadow', join(bench.shared, 'exists'));
    symlinkSync('/etc/no-such-file-dpd', join(bench.shared, 'missing'));
    await bench.submit(
      '15',
      { cmd: 'true', download_urls: { a: pathToFileURL(join(bench.shared, 'exists')).href } },
      { fileDirs: [bench.shared] },
    );
    await bench.submit(
      '16',
      { cmd: 'true', download_urls: { a: pathToFileURL(join(bench.shared, 'missing')).href } },
      { fileDirs: [bench.shared] },
    );
    const [exists, missing] = [(await bench.finished('15')).reason!, (await bench.finished('16')).reason!];
    expect(exists.replace('exists', 'X')).toBe(missing.replace('missing', 'X'));
  });

  it("reads an allowed file as the job's user: a file only root may read is refused by the kernel", async (context) => {
    needsRoot(context);
    const secret = join(bench.shared, 'root-only');
    writeFileSync(secret, 'secret\n', { mode: 0o600 });
    const readable = join(bench.shared, 'readable');
    writeFileSync(readable, 'shared\n', { mode: 0o644 });
    await bench.submit(
      '14',
      {
        cmd: 'cat readable',
        download_urls: { readable: pathToFileURL(readable).href, secret: pathToFileURL(secret).href },
      },
      { fileDirs: [bench.shared] },
    );
    const record = await bench.finished('14');
    expect(record.reason).toBe(
      `download secret: ${pathToFileURL(secret).href}: cannot read it as user nobody (${nobody!.uid}): ${secret}: Permission denied`,
    );
    expect(readJobLogTail(bench.jobs, '14', 100_000)).not.toContain('secret\n');
  });

  it("ends a job whose downloads pass the node's cap, declared or streamed, and counts them together", async () => {
    const cap = { downloadMaxBytes: 10_000 };
    await bench.submit('20', { cmd: 'true', download_urls: [`${web.base()}/big.bin`] }, cap);
    await bench.submit('21', { cmd: 'true', download_urls: [`${web.base()}/chunked.bin`] }, cap);
    await bench.submit(
      '22',
      { cmd: 'true', download_urls: { 'a.bin': `${web.base()}/six.bin`, 'b.bin': `${web.base()}/six.bin` } },
      cap,
    );
    await bench.submit('23', { cmd: 'true', download_urls: { 'a.bin': `${web.base()}/six.bin` } }, cap);
    const passed = (what: string) =>
      `download ${what}: the job's downloads passed job_download_max_size (10000 bytes) of the node`;
    expect((await bench.finished('20')).reason).toBe(passed(`big.bin: ${web.base()}/big.bin`));
    expect((await bench.finished('21')).reason).toBe(passed(`chunked.bin: ${web.base()}/chunked.bin`));
    expect((await bench.finished('22')).reason).toBe(passed(`b.bin: ${web.base()}/six.bin`));
    expect((await bench.finished('23')).state).toBe('success');
  });

  it('ends a file:// download that passes the cap too', async () => {
    const big = join(bench.shared, 'big');
    writeFileSync(big, Buffer.alloc(200_000), { mode: 0o644 });
    await bench.submit(
      '24',
      { cmd: 'true', download_urls: { big: pathToFileURL(big).href } },
      { fileDirs: [bench.shared], downloadMaxBytes: 1_000 },
    );
    expect((await bench.finished('24')).reason).toBe(
      `download big: ${pathToFileURL(big).href}: the job's downloads passed job_download_max_size (1000 bytes) of the node`,
    );
  });

  it("sends a URL's credentials as Basic authentication, and never writes them into the job's log or its reason", async () => {
    const url = `${web.base().replace('http://', 'http://alice:s3cret-pw@')}/missing.bin`;
    await bench.submit('29', {
      cmd: 'cat private.txt',
      download_urls: [`${web.base().replace('http://', 'http://alice:s3cret%20pw@')}/private.txt`],
    });
    await bench.submit('30', { cmd: 'true', download_urls: [url] });
    // The command's own arguments as the runner notes them (the command's output is its own).
    await bench.submit('31', { cmd: ['true', 'https://carol:pw-123@127.0.0.1:9/x'] });
    const record = await bench.finished('30');
    expect(record.reason).toBe(
      `download missing.bin: ${web.base().replace('http://', 'http://(hidden)@')}/missing.bin: HTTP 404 Not Found`,
    );
    const log = readJobLogTail(bench.jobs, '30', 100_000);
    expect(log).toContain('download missing.bin from http://(hidden)@127.0.0.1:');
    expect(log).not.toContain('s3cret-pw');
    expect((await bench.finished('31')).state).toBe('success');
    expect((await bench.finished('29')).state).toBe('success');
    expect(readJobLogTail(bench.jobs, '29', 100_000)).toContain('\nprivate\n');
    expect(readJobLogTail(bench.jobs, '29', 100_000)).not.toContain('s3cret');
    expect(readJobLogTail(bench.jobs, '31', 100_000)).toContain('run: true https://(hidden)@127.0.0.1:9/x\n');
  });
});
