/*
 * dpd-spawn-helper: forks and execs programs for @diprocd/supervisor.
 *
 * Node's spawn() forks the whole supervisor, so its cost grows with the
 * supervisor's memory, and every child holds a ChildProcess in the heap.
 * This process is small: fork() here copies almost nothing. The supervisor
 * starts one helper, asks it to start each run, and hears each exit.
 *
 * Requests arrive on fd 0, replies leave on fd 3 (the supervisor's pipes);
 * fds 1 and 2 are the supervisor's own stdout and stderr, for children whose
 * output is inherited. The wire format is in src/os/spawn-helper.ts.
 *
 * A request is a 32-bit little-endian length and then NUL-terminated
 * fields:
 *   id, file, cwd, chroot ("" for none), umask (octal),
 *   uid ("" to keep), gid, groups (comma-separated gids),
 *   rlimits ("name:soft:hard,..." by prlimit name, "u" for unlimited),
 *   stdout, stderr ("n" /dev/null, "i" the helper's own, "p<path>" opened
 *   for appending), argc, argv..., and then either envc, env... or "=",
 *   the environment of the last request that carried one (a burst of
 *   starts shares one environment: it crosses the pipe once).
 * Replies are lines:
 *   R                       the helper runs (its first line)
 *   P <id> <pid>            forked: <pid> may run the program any moment now
 *   S <id> <pid> <start>    the program was exec'd; <start> is its start time
 *                           from /proc/<pid>/stat (field 22), or "-"
 *   F <id> <stage> <errno>  it could not be: nothing runs
 *   X <pid> <code> <signal> <left>
 *                           a child exited (-1 where it does not apply); <left>
 *                           is 1 while processes of its group remain, else 0
 *
 * End of input means the supervisor is gone or closed: the helper exits
 * and the children run on (each in its own session).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define REQUEST_FD 0
#define REPLY_FD 3
#define MAX_REQUEST (64u << 20)
#define MAX_GROUPS 65536
#define MAX_RLIMITS 32
#define MAX_ID 24

enum stage { ST_REQUEST, ST_STDIN, ST_STDOUT, ST_STDERR, ST_FORK, ST_SETSID, ST_RLIMIT, ST_CHROOT, ST_CHDIR, ST_GROUPS, ST_GID, ST_UID, ST_EXEC };
static const char *const STAGES[] = { "request", "stdin", "stdout", "stderr", "fork", "setsid", "rlimit", "chroot", "chdir", "setgroups", "setgid", "setuid", "exec" };

struct request {
  const char *id, *file, *cwd, *chroot, *out, *err;
  mode_t umask;
  int switch_ids;
  uid_t uid;
  gid_t gid;
  size_t ngroups;
  gid_t groups[MAX_GROUPS];
  size_t nlimits;
  struct { int resource; struct rlimit limit; } limits[MAX_RLIMITS];
  /* envp: the environment the request carried; NULL for "=" (the kept one). */
  char **argv, **envp;
};

static int devnull = -1;

static void die(const char *what) {
  perror(what);
  exit(1);
}

/* The environment of the last well-formed request that carried one: one
 * block of strings and its pointer array, the helper's own copy. */
static char *kept_env_block;
static char **kept_envp;

static void forget_env(void) {
  free(kept_env_block);
  free(kept_envp);
  kept_env_block = NULL;
  kept_envp = NULL;
}

static void keep_env(char *const *envp) {
  size_t n = 0, bytes = 0;
  for (; envp[n]; n++) bytes += strlen(envp[n]) + 1;
  char *block = malloc(bytes ? bytes : 1);
  char **list = calloc(n + 1, sizeof *list);
  if (!block || !list) die("malloc");
  char *at = block;
  for (size_t i = 0; i < n; i++) {
    size_t size = strlen(envp[i]) + 1;
    memcpy(at, envp[i], size);
    list[i] = at;
    at += size;
  }
  forget_env();
  kept_env_block = block;
  kept_envp = list;
}

static void write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) exit(0); /* the supervisor is gone */
    buf += n;
    len -= (size_t)n;
  }
}

static void reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void reply(const char *fmt, ...) {
  char line[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n > 0) write_all(REPLY_FD, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* Fields of one request, walked in order. */
struct cursor {
  char *at, *end;
};

static const char *field(struct cursor *c) {
  if (c->at >= c->end) return NULL;
  char *nul = memchr(c->at, '\0', (size_t)(c->end - c->at));
  if (!nul) return NULL;
  char *value = c->at;
  c->at = nul + 1;
  return value;
}

/* A request id: 1 to MAX_ID - 1 decimal digits (it is echoed in replies). */
static int valid_id(const char *s, size_t room) {
  size_t n = 0;
  for (; n < room && s[n]; n++)
    if (s[n] < '0' || s[n] > '9') return 0;
  return n > 0 && n < MAX_ID && n < room;
}

static int number(const char *s, unsigned long long max, unsigned long long *out) {
  if (!s || !*s) return -1;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end || v > max) return -1;
  *out = v;
  return 0;
}

static char **strings(struct cursor *c) {
  unsigned long long n;
  if (number(field(c), 1u << 20, &n)) return NULL;
  char **list = calloc(n + 1, sizeof *list);
  if (!list) die("calloc");
  for (unsigned long long i = 0; i < n; i++) {
    if (!(list[i] = (char *)field(c))) {
      free(list);
      return NULL;
    }
  }
  return list;
}

static const struct { const char *name; int resource; } RLIMITS[] = {
  { "as", RLIMIT_AS }, { "core", RLIMIT_CORE }, { "cpu", RLIMIT_CPU }, { "data", RLIMIT_DATA },
  { "fsize", RLIMIT_FSIZE }, { "locks", RLIMIT_LOCKS }, { "memlock", RLIMIT_MEMLOCK },
  { "msgqueue", RLIMIT_MSGQUEUE }, { "nice", RLIMIT_NICE }, { "nofile", RLIMIT_NOFILE },
  { "nproc", RLIMIT_NPROC }, { "rss", RLIMIT_RSS }, { "rtprio", RLIMIT_RTPRIO },
  { "rttime", RLIMIT_RTTIME }, { "sigpending", RLIMIT_SIGPENDING }, { "stack", RLIMIT_STACK },
};

static int rlimit_resource(const char *name) {
  for (size_t i = 0; i < sizeof RLIMITS / sizeof RLIMITS[0]; i++)
    if (strcmp(RLIMITS[i].name, name) == 0) return RLIMITS[i].resource;
  return -1;
}

static rlim_t limit_value(const char *s, int *ok) {
  if (strcmp(s, "u") == 0) return RLIM_INFINITY;
  unsigned long long v;
  if (number(s, ~0ull, &v)) *ok = 0;
  return (rlim_t)v;
}

/* Parses one request in place; 0 when it is well formed. */
static int parse(char *buf, size_t len, struct request *r) {
  struct cursor c = { buf, buf + len };
  const char *umask_s, *uid_s, *gid_s, *groups_s, *limits_s;
  memset(r, 0, offsetof(struct request, groups));
  r->nlimits = 0;
  r->argv = r->envp = NULL;
  if (!(r->id = field(&c)) || !(r->file = field(&c)) || !(r->cwd = field(&c)) || !(r->chroot = field(&c)) ||
      !(umask_s = field(&c)) || !(uid_s = field(&c)) || !(gid_s = field(&c)) || !(groups_s = field(&c)) ||
      !(limits_s = field(&c)) || !(r->out = field(&c)) || !(r->err = field(&c)))
    return -1;
  char *end;
  unsigned long mask = strtoul(umask_s, &end, 8);
  if (*end || mask > 0777) return -1;
  r->umask = (mode_t)mask;
  if (*uid_s) {
    unsigned long long v;
    if (number(uid_s, 0xfffffffeu, &v)) return -1;
    r->uid = (uid_t)v;
    if (number(gid_s, 0xfffffffeu, &v)) return -1;
    r->gid = (gid_t)v;
    r->switch_ids = 1;
    for (const char *g = groups_s; *g;) {
      if (r->ngroups == MAX_GROUPS) return -1;
      char *next;
      errno = 0;
      unsigned long long gid = strtoull(g, &next, 10);
      if (errno || next == g || gid > 0xfffffffeu || (*next && *next != ',')) return -1;
      r->groups[r->ngroups++] = (gid_t)gid;
      g = *next ? next + 1 : next;
    }
  }
  for (char *l = (char *)limits_s; *l;) {
    if (r->nlimits == MAX_RLIMITS) return -1;
    char *comma = strchr(l, ',');
    if (comma) *comma = '\0';
    char *soft = strchr(l, ':'), *hard = soft ? strchr(soft + 1, ':') : NULL;
    if (!soft || !hard) return -1;
    *soft++ = '\0';
    *hard++ = '\0';
    int ok = 1, resource = rlimit_resource(l);
    if (resource < 0) return -1;
    r->limits[r->nlimits].resource = resource;
    r->limits[r->nlimits].limit.rlim_cur = limit_value(soft, &ok);
    r->limits[r->nlimits].limit.rlim_max = limit_value(hard, &ok);
    if (!ok) return -1;
    r->nlimits++;
    l = comma ? comma + 1 : l + strlen(l);
  }
  if (!(r->argv = strings(&c)) || !r->argv[0]) return -1;
  struct cursor after = c;
  const char *mark = field(&after);
  if (mark && strcmp(mark, "=") == 0) {
    if (!kept_envp) return -1;
    c = after;
  } else if (!(r->envp = strings(&c))) {
    return -1;
  }
  return c.at == c.end ? 0 : -1;
}

/* The descriptor a child's stdout or stderr gets; -1 with errno set on failure. */
static int output(const char *how, int own) {
  switch (how[0]) {
    case 'n':
      return devnull;
    case 'i':
      return own;
    case 'p': {
      /* Non-blocking to open (a FIFO without a reader fails at once rather
       * than hanging the helper); the program gets it blocking. This is the
       * helper's own open file description, shared with no one else. */
      int fd = open(how + 1, O_WRONLY | O_APPEND | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
      if (fd >= 0) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
      return fd;
    }
    default:
      errno = EINVAL;
      return -1;
  }
}

/* In the child: report the stage and errno that failed, and end. */
static _Noreturn void child_fail(int report, enum stage stage) {
  int what[2] = { (int)stage, errno };
  ssize_t ignored = write(report, what, sizeof what);
  (void)ignored;
  _exit(127);
}

static _Noreturn void child(const struct request *r, int out, int err, int report, int go) {
  /* Nothing happens until the helper has told the supervisor this pid (the
   * P line): a helper killed in between leaves no program it never named. */
  char byte;
  ssize_t got;
  do got = read(go, &byte, 1);
  while (got < 0 && errno == EINTR);
  if (got != 1) _exit(127);
  close(go);
  sigset_t none;
  sigemptyset(&none);
  for (int sig = 1; sig < NSIG; sig++) signal(sig, SIG_DFL);
  sigprocmask(SIG_SETMASK, &none, NULL);
  if (setsid() < 0) child_fail(report, ST_SETSID);
  for (size_t i = 0; i < r->nlimits; i++)
    if (setrlimit(r->limits[i].resource, &r->limits[i].limit) < 0) child_fail(report, ST_RLIMIT);
  if (*r->chroot && chroot(r->chroot) < 0) child_fail(report, ST_CHROOT);
  if (chdir(r->cwd) < 0) child_fail(report, ST_CHDIR);
  if (r->switch_ids) {
    if (setgroups(r->ngroups, r->groups) < 0) child_fail(report, ST_GROUPS);
    if (setgid(r->gid) < 0) child_fail(report, ST_GID);
    if (setuid(r->uid) < 0) child_fail(report, ST_UID);
  }
  umask(r->umask);
  if (dup2(devnull, 0) < 0) child_fail(report, ST_STDIN);
  if (out != 1 && dup2(out, 1) < 0) child_fail(report, ST_STDOUT);
  if (err != 2 && dup2(err, 2) < 0) child_fail(report, ST_STDERR);
  if (out == 1) fcntl(1, F_SETFD, 0);
  if (err == 2) fcntl(2, F_SETFD, 0);
  execve(r->file, r->argv, kept_envp); /* the request's own, kept before spawn(), or "=" */
  child_fail(report, ST_EXEC);
}

/* Field 22 of /proc/<pid>/stat, the start time in clock ticks since boot; 0 when unreadable. */
static unsigned long long start_time(pid_t pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  /* The command name may hold spaces and parentheses: fields start after the last ')'. */
  char *at = strrchr(buf, ')');
  if (!at) return 0;
  at++;
  for (int field = 3; field < 22 && at; field++) at = strchr(at + 1, ' '); /* to the space before field 22 */
  return at ? strtoull(at + 1, NULL, 10) : 0;
}

/*
 * Programs being started: forked, not yet known to have exec'd. Each has the
 * read end of its report pipe, which closes on exec (success) or carries
 * the stage and errno that failed. The helper does not wait for one exec
 * before the next fork: a burst of spawns overlaps.
 */
struct pending {
  pid_t pid;
  int fd;
  char id[MAX_ID];
};
#define MAX_PENDING 256
static struct pending pending[MAX_PENDING];
static size_t npending;

/* Answers for pending[i], whose report pipe is readable (or whose child has
 * exited: `reaped`), and forgets it. True when the program was exec'd. */
static int settle(size_t i, int reaped) {
  struct pending p = pending[i];
  pending[i] = pending[--npending];
  int what[2];
  ssize_t n;
  do n = read(p.fd, what, sizeof what);
  while (n < 0 && errno == EINTR);
  close(p.fd);
  /* EOF: exec'd. A read error cannot tell; the pid is real, so it counts as
   * started, and a failed exec shows as its exit (code 127). */
  if (n == (ssize_t)sizeof what) {
    if (!reaped) while (waitpid(p.pid, NULL, 0) < 0 && errno == EINTR) {}
    reply("F %s %s %d\n", p.id, what[0] >= 0 && what[0] <= ST_EXEC ? STAGES[what[0]] : "exec", what[1]);
    return 0;
  }
  unsigned long long start = reaped ? 0 : start_time(p.pid);
  if (start) reply("S %s %d %llu\n", p.id, (int)p.pid, start);
  else reply("S %s %d -\n", p.id, (int)p.pid);
  return 1;
}

static void spawn(const struct request *r) {
  /* At the limit, the oldest is waited for (its exec is moments away). */
  if (npending == MAX_PENDING) settle(0, 0);
  int out = output(r->out, 1);
  if (out < 0) {
    reply("F %s %s %d\n", r->id, STAGES[ST_STDOUT], errno);
    return;
  }
  int err = strcmp(r->err, r->out) == 0 && r->out[0] == 'p' ? out : output(r->err, 2);
  if (err < 0) {
    int saved = errno;
    if (out > 2 && out != devnull) close(out);
    reply("F %s %s %d\n", r->id, STAGES[ST_STDERR], saved);
    return;
  }
  int report[2], go[2];
  if (pipe2(report, O_CLOEXEC) < 0) {
    reply("F %s %s %d\n", r->id, STAGES[ST_FORK], errno);
  } else if (pipe2(go, O_CLOEXEC) < 0) {
    reply("F %s %s %d\n", r->id, STAGES[ST_FORK], errno);
    close(report[0]);
    close(report[1]);
  } else {
    pid_t pid = fork();
    if (pid == 0) {
      close(report[0]);
      close(go[1]);
      child(r, out, err, report[1], go[0]);
    }
    int saved = errno;
    close(report[1]);
    close(go[0]);
    if (pid < 0) {
      close(report[0]);
      close(go[1]);
      reply("F %s %s %d\n", r->id, STAGES[ST_FORK], saved);
    } else {
      struct pending *p = &pending[npending++];
      p->pid = pid;
      p->fd = report[0];
      snprintf(p->id, sizeof p->id, "%s", r->id);
      /* Said before the child may go on: if the helper dies before S or F,
       * the supervisor still knows the pid. */
      reply("P %s %d\n", r->id, (int)pid);
      ssize_t ignored = write(go[1], "g", 1);
      (void)ignored;
      close(go[1]);
    }
  }
  if (out > 2 && out != devnull) close(out);
  if (err > 2 && err != devnull && err != out) close(err);
}

static void reap(void) {
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid < 0 && errno == EINTR) continue;
    if (pid <= 0) return;
    /* One that ends before its start was answered is answered first; a
     * failed start is only an F, never an exit. */
    int started = 1;
    for (size_t i = 0; i < npending; i++)
      if (pending[i].pid == pid) {
        started = settle(i, 1);
        break;
      }
    if (!started) continue;
    /* It led its own group (setsid). Once it is reaped, an empty group
     * stays empty, so the supervisor need not signal it to clear it. */
    int left = kill(-pid, 0) == 0 || errno == EPERM;
    if (WIFEXITED(status)) reply("X %d %d -1 %d\n", (int)pid, WEXITSTATUS(status), left);
    else if (WIFSIGNALED(status)) reply("X %d -1 %d %d\n", (int)pid, WTERMSIG(status), left);
  }
}

int main(void) {
  static struct request request;
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &chld, NULL) < 0) die("sigprocmask");
  int sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sigfd < 0) die("signalfd");
  signal(SIGPIPE, SIG_IGN);
  if ((devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0) die("/dev/null");
  /* fds 1 and 2 must be open, or an output file could take their number. */
  for (int fd = 1; fd <= 2; fd++)
    if (fcntl(fd, F_GETFD) < 0 && dup2(devnull, fd) < 0) die("dup2");
  /* Nothing the helper holds leaks into a program. */
  fcntl(REQUEST_FD, F_SETFD, FD_CLOEXEC);
  if (fcntl(REPLY_FD, F_SETFD, FD_CLOEXEC) < 0) die("reply fd 3");
  for (int fd = 4; fd < 1024; fd++)
    if (fd != sigfd && fd != devnull) fcntl(fd, F_SETFD, FD_CLOEXEC);

  reply("R\n");
  const size_t base_cap = 1 << 16;
  size_t cap = base_cap, len = 0;
  char *buf = malloc(cap);
  if (!buf) die("malloc");
  struct pollfd fds[2 + MAX_PENDING];
  for (;;) {
    fds[0] = (struct pollfd){ .fd = REQUEST_FD, .events = POLLIN };
    fds[1] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
    size_t watched = npending;
    for (size_t i = 0; i < watched; i++) fds[2 + i] = (struct pollfd){ .fd = pending[i].fd, .events = POLLIN };
    if (poll(fds, 2 + watched, -1) < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    /* Starts first, then exits (reap answers any start it overtakes). From
     * the last down: settle() moves the last entry into the freed slot. */
    for (size_t i = watched; i-- > 0;)
      if (fds[2 + i].revents && i < npending && pending[i].fd == fds[2 + i].fd) settle(i, 0);
    if (fds[1].revents) {
      struct signalfd_siginfo info;
      while (read(sigfd, &info, sizeof info) > 0) {}
      reap();
    }
    if (!fds[0].revents) continue;
    if (len == cap) {
      if (cap >= MAX_REQUEST + 4) {
        fprintf(stderr, "dpd-spawn-helper: request over %u bytes\n", MAX_REQUEST);
        return 1;
      }
      char *bigger = realloc(buf, cap *= 2);
      if (!bigger) die("realloc");
      buf = bigger;
    }
    ssize_t n = read(REQUEST_FD, buf + len, cap - len);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return 0; /* the supervisor closed: the children run on */
    len += (size_t)n;
    size_t at = 0;
    while (len - at >= 4) {
      uint32_t size;
      memcpy(&size, buf + at, 4);
      if (size > MAX_REQUEST) {
        fprintf(stderr, "dpd-spawn-helper: request of %u bytes\n", size);
        return 1;
      }
      if (len - at - 4 < size) break;
      char *payload = buf + at + 4;
      /* The id is the first field; without a valid one the stream is out of step. */
      if (size == 0 || !valid_id(payload, size)) {
        fprintf(stderr, "dpd-spawn-helper: a request without a valid id\n");
        return 1;
      }
      if (payload[size - 1] != '\0' || parse(payload, size, &request) < 0) {
        /* Out of step with the supervisor's idea of the kept environment:
         * forget it, so that no later "=" can run with a stale one. */
        forget_env();
        reply("F %s %s %d\n", payload, STAGES[ST_REQUEST], EINVAL);
      } else {
        if (request.envp) keep_env(request.envp);
        spawn(&request);
      }
      free(request.argv);
      free(request.envp);
      request.argv = request.envp = NULL;
      at += 4 + size;
    }
    memmove(buf, buf + at, len - at);
    len -= at;
    /* Back to the usual size after a large request: fork() copies every page table. */
    if (cap > base_cap && len <= base_cap) {
      char *smaller = realloc(buf, base_cap);
      if (smaller) {
        buf = smaller;
        cap = base_cap;
      }
    }
  }
}
