/*
 * dnsmasq.c: spawn, identify, reload and stop the dnsmasq of one network.
 *
 * dnsmasq daemonizes: the process we fork exits once the daemon has written
 * its pid file and finished start-up, or exits non-zero after printing why
 * it could not start. We capture that text for the error, then trust only a
 * pid whose /proc entry is alive (not a zombie: PID 1 may reap late), whose
 * executable is the dnsmasq binary and whose command line names our
 * configuration file. dnsmasq's pid file belongs to the user it drops to, so
 * after start the process is remembered by pid, start time and uid in a file
 * of root's, and signals go only through a pidfd of a process that still
 * matches all three.
 */
#include "config.h"

#include "spawn.h"
#include "dnsmasq.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

/* dnsmasq binds and writes its pid file in ~6 ms; the bound only matters on an overloaded
 * host, where giving up early would fail a start that was about to succeed */
#define START_TIMEOUT_MS 10000
#define STOP_TIMEOUT_MS  1000
#define OUTPUT_MAX       4096

const char *vn_dnsmasq_path(void)
{
        const char *p = getenv("VNET_DNSMASQ");

        return p && p[0] ? p : DNSMASQ_PATH;
}

const char *vn_dnsmasq_user(void)
{
        const char *u = secure_getenv("VNET_DNSMASQ_USER");

        return u && u[0] ? u : DNSMASQ_USER;
}

static void sleep_us(unsigned us)
{
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)us * 1000L};

        nanosleep(&ts, NULL);
}

static uint64_t ms_since(uint64_t start_ns)
{
        return (vn_now_ns() - start_ns) / 1000000u;
}

pid_t vn_dnsmasq_read_pid(const char *pid_path)
{
        _cleanup_free_ char *s = NULL;
        char *end;
        long v;

        if (!pid_path || vn_read_file(pid_path, 64, &s, NULL) < 0)
                return 0;
        errno = 0;
        v = strtol(s, &end, 10);
        while (*end == '\n' || *end == ' ')
                end++;
        if (errno || end == s || *end || v <= 0 || v > 0x3fffffff)
                return 0;
        return (pid_t)v;
}

/* State letter and start time (field 22) from /proc/PID/stat; false when there is no such
 * process. */
static bool proc_stat(pid_t pid, char *state, unsigned long long *start)
{
        _cleanup_free_ char *s = NULL;
        char path[64], *p, *save = NULL;
        int field = 3;

        snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
        if (vn_read_file(path, 4096, &s, NULL) < 0)
                return false;
        /* comm may contain ') ': the state follows the last one */
        p = strrchr(s, ')');
        if (!p || p[1] != ' ' || !p[2])
                return false;
        *state = p[2];
        *start = 0;
        for (char *t = strtok_r(p + 2, " ", &save); t; t = strtok_r(NULL, " ", &save), field++)
                if (field == 22) {
                        *start = strtoull(t, NULL, 10);
                        return true;
                }
        return false;
}

static char proc_state(pid_t pid)
{
        unsigned long long start;
        char st = 0;

        return proc_stat(pid, &st, &start) ? st : 0;
}

/* The process's uid, when its real, effective, saved and fs uids are all the same. */
static bool proc_uid(pid_t pid, uid_t *uid)
{
        _cleanup_free_ char *s = NULL;
        char path[64];
        unsigned long u[4];
        const char *p;

        snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
        if (vn_read_file(path, 65536, &s, NULL) < 0)
                return false;
        p = strstr(s, "\nUid:");
        if (!p || sscanf(p + 5, "%lu %lu %lu %lu", &u[0], &u[1], &u[2], &u[3]) != 4)
                return false;
        if (u[0] != u[1] || u[1] != u[2] || u[2] != u[3])
                return false;
        *uid = (uid_t)u[0];
        return true;
}

/* Is the process's executable the dnsmasq binary? ("(deleted)": upgraded while running.) */
static bool proc_exe_is_dnsmasq(pid_t pid)
{
        char path[64], exe[PATH_MAX], want[PATH_MAX];
        const char *suffix = " (deleted)";
        size_t sl = strlen(suffix);
        ssize_t n;

        if (!realpath(vn_dnsmasq_path(), want))
                return false;
        snprintf(path, sizeof(path), "/proc/%ld/exe", (long)pid);
        n = readlink(path, exe, sizeof(exe) - 1);
        if (n <= 0)
                return false;
        exe[n] = '\0';
        if ((size_t)n > sl && strcmp(exe + n - sl, suffix) == 0)
                exe[n - sl] = '\0';
        return strcmp(exe, want) == 0;
}

bool vn_dnsmasq_is_ours(pid_t pid, const char *conf_path)
{
        _cleanup_free_ char *cmd = NULL;
        char path[64], state;
        size_t len, clen;

        if (pid <= 0 || !conf_path || !conf_path[0])
                return false;
        state = proc_state(pid);
        if (state == 0 || state == 'Z' || state == 'X' || state == 'x')
                return false;
        if (!proc_exe_is_dnsmasq(pid))
                return false;
        snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
        if (vn_read_file(path, 65536, &cmd, &len) < 0)
                return false;
        clen = strlen(conf_path);
        for (size_t off = 0; off < len; off += strlen(cmd + off) + 1) {
                const char *a = cmd + off;
                size_t alen = strlen(a);

                /* "--conf-file=CONF", "-CCONF" or a separate "CONF" argument */
                if (alen >= clen && strcmp(a + alen - clen, conf_path) == 0 &&
                    (alen == clen || a[alen - clen - 1] == '=' ||
                     (alen == clen + 2 && a[0] == '-' && a[1] == 'C')))
                        return true;
        }
        return false;
}

/* Fill id from the live process pid. */
static bool id_of(pid_t pid, struct vn_dnsmasq_id *id)
{
        unsigned long long start;
        char st;
        uid_t uid;

        if (!proc_stat(pid, &st, &start) || !proc_uid(pid, &uid))
                return false;
        id->pid = pid;
        id->start = start;
        id->uid = uid;
        return true;
}

bool vn_dnsmasq_identify(pid_t pid, const char *conf_path, struct vn_dnsmasq_id *id)
{
        return vn_dnsmasq_is_ours(pid, conf_path) && id_of(pid, id);
}

bool vn_dnsmasq_alive(const struct vn_dnsmasq_id *id, const char *conf_path)
{
        struct vn_dnsmasq_id now;

        if (!id || id->pid <= 0 || !vn_dnsmasq_is_ours(id->pid, conf_path))
                return false;
        return id_of(id->pid, &now) && now.start == id->start && now.uid == id->uid;
}

int vn_dnsmasq_id_save(const char *path, const struct vn_dnsmasq_id *id)
{
        char buf[96];
        int n = snprintf(buf, sizeof(buf), "%ld %llu %lu\n", (long)id->pid, id->start,
                         (unsigned long)id->uid);

        return vn_write_file_atomic(path, buf, (size_t)n, 0600);
}

int vn_dnsmasq_id_load(const char *path, struct vn_dnsmasq_id *id)
{
        _cleanup_free_ char *s = NULL;
        long pid;
        unsigned long long start;
        unsigned long uid;
        char extra;
        int r;

        r = vn_read_file(path, 96, &s, NULL);
        if (r < 0)
                return r;
        if (sscanf(s, "%ld %llu %lu %c", &pid, &start, &uid, &extra) != 3 || pid <= 0 ||
            pid > 0x3fffffff)
                return -EBADMSG;
        id->pid = (pid_t)pid;
        id->start = start;
        id->uid = (uid_t)uid;
        return 0;
}

static int pidfd_open_(pid_t pid)
{
#ifdef SYS_pidfd_open
        return (int)syscall(SYS_pidfd_open, pid, 0);
#else
        errno = ENOSYS;
        return -1;
#endif
}

/* Send sig to the process id names, only if it still is that dnsmasq of ours: the pidfd pins
 * the process, so what was checked is what gets the signal (no pid reuse in between). */
static int signal_id(const struct vn_dnsmasq_id *id, const char *conf_path, int sig)
{
        _cleanup_close_ int pidfd = pidfd_open_(id->pid);

        if (pidfd < 0 && errno != ENOSYS)
                return errno == ESRCH ? -ESRCH : -errno;
        if (!vn_dnsmasq_alive(id, conf_path))
                return -ESRCH;
#ifdef SYS_pidfd_send_signal
        if (pidfd >= 0) {
                if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
                        return -errno;
                return 0;
        }
#endif
        if (kill(id->pid, sig) < 0)
                return -errno;
        return 0;
}

/* Read what is available from fd (non-blocking) into b, up to OUTPUT_MAX bytes in total. */
static void drain(int fd, struct vn_buf *b)
{
        char chunk[1024];
        ssize_t n;

        while ((n = read(fd, chunk, sizeof(chunk))) > 0)
                if (b->len < OUTPUT_MAX)
                        vn_buf_addn(b, chunk, (size_t)n);
}

/* Wait for the foreground dnsmasq to exit, collecting its output. Returns the exit status
 * (>= 0) or -ETIMEDOUT (the child is then killed and reaped). */
static int wait_foreground(pid_t child, int out_fd, struct vn_buf *out, uint64_t start)
{
        _cleanup_close_ int pidfd = pidfd_open_(child);
        bool eof = false;
        int status;

        for (;;) {
                struct pollfd pfd[2] = {{.fd = eof ? -1 : out_fd, .events = POLLIN},
                                        {.fd = pidfd, .events = POLLIN}};
                uint64_t el = ms_since(start);
                pid_t w;
                int timeout;

                w = waitpid(child, &status, WNOHANG);
                if (w == child) {
                        drain(out_fd, out);
                        if (WIFEXITED(status))
                                return WEXITSTATUS(status);
                        return 128 + WTERMSIG(status);
                }
                if (w < 0 && errno != EINTR)
                        return -errno;
                if (el >= START_TIMEOUT_MS) {
                        kill(child, SIGKILL);
                        while (waitpid(child, &status, 0) < 0 && errno == EINTR)
                                ;
                        return -ETIMEDOUT;
                }
                /* without a pidfd, poll the child every 2 ms */
                timeout = pidfd >= 0 ? (int)(START_TIMEOUT_MS - el) : 2;
                if (poll(pfd, pidfd >= 0 ? 2 : 1, timeout) > 0 && (pfd[0].revents & POLLIN))
                        drain(out_fd, out);
                if (pfd[0].revents & (POLLHUP | POLLERR))
                        eof = true; /* nothing more to read; keep waiting for the exit */
        }
}

static int exit_errno(int status)
{
        /* dnsmasq's documented exit codes */
        switch (status) {
        case 1:
                return -EINVAL; /* configuration */
        case 2:
                return -EADDRINUSE; /* network access */
        case 3:
                return -EACCES; /* filesystem */
        case 4:
                return -ENOMEM;
        case 127:
                return -ENOENT;
        default:
                return -EIO;
        }
}

/**
 * dnsmasq_start_once: run `dnsmasq --conf-file=CONF` and wait until its pid
 * file names a live dnsmasq of ours.
 */
static int dnsmasq_start_once(const char *conf_path, const char *pid_path,
                              struct vn_dnsmasq_id *id, struct vn_error *err)
{
        const char *bin = vn_dnsmasq_path();
        _cleanup_free_ char *conf_arg = NULL;
        _cleanup_close_ int devnull = -1, rd = -1, wr = -1, exec_rd = -1, exec_wr = -1;
        _cleanup_buf_ struct vn_buf out = {0};
        uint64_t start = vn_now_ns();
        long max_fd = sysconf(_SC_OPEN_MAX);
        pid_t child, old, p = 0;
        int fds[2], r, e, status;

        if (!conf_path || !pid_path)
                return vn_err(err, -EINVAL, "dnsmasq: missing configuration or pid file path");
        old = vn_dnsmasq_read_pid(pid_path);
        if (old && vn_dnsmasq_is_ours(old, conf_path))
                return vn_err(err, -EEXIST, "dnsmasq for '%s': already running (pid %ld)",
                              conf_path, (long)old);
        /* a stale pid file must not be mistaken for the new daemon's */
        if (unlink(pid_path) < 0 && errno != ENOENT)
                return vn_err(err, -errno, "dnsmasq for '%s': %s: %s", conf_path, pid_path,
                              strerror(errno));
        conf_arg = vn_asprintf("--conf-file=%s", conf_path);
        if (!conf_arg)
                return vn_err(err, -ENOMEM, "dnsmasq: %s", strerror(ENOMEM));
        if (max_fd < 0 || max_fd > 65536)
                max_fd = 65536;
        devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (devnull < 0 || pipe2(fds, O_CLOEXEC) < 0)
                return vn_err(err, -errno, "dnsmasq: %s", strerror(errno));
        rd = fds[0];
        wr = fds[1];
        if (pipe2(fds, O_CLOEXEC) < 0)
                return vn_err(err, -errno, "dnsmasq: %s", strerror(errno));
        exec_rd = fds[0];
        exec_wr = fds[1];
        child = fork();
        if (child < 0)
                return vn_err(err, -errno, "dnsmasq: fork: %s", strerror(errno));
        if (child == 0) {
                char *argv[] = {(char *)bin, conf_arg, NULL};

                vn_spawn_child_exec(bin, argv, devnull, wr, exec_wr, max_fd);
        }
        close(wr);
        wr = -1;
        close(exec_wr);
        exec_wr = -1;
        /* EOF: exec succeeded (the pipe was close-on-exec); an int: exec's errno */
        if (vn_spawn_exec_failed(exec_rd, &e)) {
                while (waitpid(child, &status, 0) < 0 && errno == EINTR)
                        ;
                return vn_err(err, -e, "dnsmasq: cannot execute %s: %s", bin, strerror(e));
        }
        (void)fcntl(rd, F_SETFL, O_NONBLOCK);

        r = wait_foreground(child, rd, &out, start);
        if (r != 0) {
                const char *text = vn_buf_str(&out);
                size_t n;

                while (*text == '\n' || *text == ' ')
                        text++;
                n = strlen(text);

                while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
                        n--;
                if (r < 0)
                        return vn_err(err, r, "dnsmasq for '%s': did not start in %d ms", conf_path,
                                      START_TIMEOUT_MS);
                if (r == 127 && n == 0)
                        return vn_err(err, -ENOENT, "dnsmasq: cannot execute %s", bin);
                return vn_err(err, exit_errno(r), "dnsmasq for '%s': exit status %d: %.*s",
                              conf_path, r, (int)n, n ? text : "no message");
        }
        /* The daemon writes the pid file before releasing its parent; wait for it anyway in
         * case the file system is slow to show it. */
        while (ms_since(start) < START_TIMEOUT_MS) {
                p = vn_dnsmasq_read_pid(pid_path);
                if (p && vn_dnsmasq_is_ours(p, conf_path) && id_of(p, id))
                        return 0;
                sleep_us(1000);
        }
        if (p)
                return vn_err(err, -ESRCH, "dnsmasq for '%s': pid %ld from %s is not running",
                              conf_path, (long)p, pid_path);
        return vn_err(err, -ETIMEDOUT, "dnsmasq for '%s': no pid in %s (is pid-file= set?)",
                      conf_path, pid_path);
}

/* Wait until id is no longer a live dnsmasq of ours; true when gone. */
static bool wait_gone(const struct vn_dnsmasq_id *id, const char *conf_path, unsigned timeout_ms)
{
        uint64_t start = vn_now_ns();
        unsigned delay = 100;

        for (;;) {
                if (!vn_dnsmasq_alive(id, conf_path))
                        return true;
                if (ms_since(start) >= timeout_ms)
                        return false;
                sleep_us(delay);
                if (delay < 5000)
                        delay *= 2;
        }
}

int vn_dnsmasq_stop(const struct vn_dnsmasq_id *id, const char *conf_path, struct vn_error *err)
{
        int r;

        if (!vn_dnsmasq_alive(id, conf_path))
                return 0;
        r = signal_id(id, conf_path, SIGTERM);
        if (r == -ESRCH)
                return 0;
        if (r < 0)
                return vn_err(err, r, "dnsmasq pid %ld: %s", (long)id->pid, strerror(-r));
        if (wait_gone(id, conf_path, STOP_TIMEOUT_MS))
                return 0;
        r = signal_id(id, conf_path, SIGKILL);
        if (r < 0 && r != -ESRCH)
                return vn_err(err, r, "dnsmasq pid %ld: %s", (long)id->pid, strerror(-r));
        if (wait_gone(id, conf_path, STOP_TIMEOUT_MS))
                return 0;
        return vn_err(err, -ETIMEDOUT, "dnsmasq pid %ld (%s): still running after SIGKILL",
                      (long)id->pid, conf_path);
}

int vn_dnsmasq_reload(const struct vn_dnsmasq_id *id, const char *conf_path,
                      struct vn_error *err)
{
        int r = signal_id(id, conf_path, SIGHUP);

        if (r == -ESRCH)
                return vn_err(err, -ESRCH, "dnsmasq pid %ld (%s): not running", (long)id->pid,
                              conf_path ? conf_path : "");
        if (r < 0)
                return vn_err(err, r, "dnsmasq pid %ld: %s", (long)id->pid, strerror(-r));
        return 0;
}

int vn_dnsmasq_can_read(uid_t uid, gid_t gid, const char *const *paths, size_t n,
                        struct vn_error *err)
{
        int fds[2], status, res[2] = {0, 0};
        pid_t child;
        ssize_t got;

        if (n == 0)
                return 0;
        if (pipe2(fds, O_CLOEXEC) < 0)
                return vn_err(err, -errno, "pipe: %s", strerror(errno));
        child = fork();
        if (child < 0) {
                int e = errno;

                close(fds[0]);
                close(fds[1]);
                return vn_err(err, -e, "fork: %s", strerror(e));
        }
        if (child == 0) {
                /* only async-signal-safe calls from here */
                int out[2] = {-1, 0};

                if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
                    setresuid(uid, uid, uid) < 0) {
                        out[1] = errno;
                } else {
                        for (size_t i = 0; i < n && out[1] == 0; i++) {
                                struct stat st;
                                int fd = open(paths[i], O_RDONLY | O_CLOEXEC | O_NONBLOCK);

                                if (fd < 0 || fstat(fd, &st) < 0 ||
                                    (S_ISDIR(st.st_mode) && faccessat(fd, ".", X_OK, 0) < 0)) {
                                        out[0] = (int)i;
                                        out[1] = errno ? errno : EACCES;
                                }
                                if (fd >= 0)
                                        close(fd);
                        }
                }
                if (write(fds[1], out, sizeof(out)) < 0)
                        _exit(2);
                _exit(0);
        }
        close(fds[1]);
        while ((got = read(fds[0], res, sizeof(res))) < 0 && errno == EINTR)
                ;
        close(fds[0]);
        while (waitpid(child, &status, 0) < 0 && errno == EINTR)
                ;
        if (got != (ssize_t)sizeof(res))
                return vn_err(err, -EIO, "cannot check what user %lu can read",
                              (unsigned long)uid);
        if (res[1] == 0)
                return 0;
        if (res[0] < 0)
                return vn_err(err, -res[1], "cannot switch to uid %lu: %s", (unsigned long)uid,
                              strerror(res[1]));
        return vn_err(err, -res[1], "'%s': %s", paths[res[0]], strerror(res[1]));
}

/**
 * vn_dnsmasq_start: start it (see dnsmasq.h). dnsmasq lists the host's interfaces at startup
 * and gives up ("failed to find list of interfaces: No such device") when one vanishes
 * mid-listing — another network being destroyed at that moment. That is transient: try again,
 * a few times.
 */
int vn_dnsmasq_start(const char *conf_path, const char *pid_path, struct vn_dnsmasq_id *id,
                     struct vn_error *err)
{
        for (int attempt = 0;; attempt++) {
                struct vn_error e = {0};
                int r = dnsmasq_start_once(conf_path, pid_path, id, &e);

                if (r == 0)
                        return 0;
                if (attempt >= 4 || !strstr(e.msg, "failed to find list of interfaces"))
                        return vn_err(err, r, "%s", e.msg);
                usleep(10000u << attempt);
        }
}

pid_t vn_dnsmasq_find(const char *conf_path)
{
        DIR *d = opendir("/proc");
        struct dirent *de;
        pid_t found = 0;

        if (!d)
                return 0;
        while (!found && (de = readdir(d))) {
                char *end;
                long v = strtol(de->d_name, &end, 10);

                if (*end || v <= 0)
                        continue;
                if (vn_dnsmasq_is_ours((pid_t)v, conf_path))
                        found = (pid_t)v;
        }
        closedir(d);
        return found;
}
