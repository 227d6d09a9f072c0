/*
 * spawn.c: the process runner (see spawn.h): the only fork() of vnet.
 */
#include "config.h"

#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void vn_spawn_child_exec(const char *path, char *const *argv, int in_fd, int out_fd, int err_fd,
                         long max_fd)
{
        sigset_t none;
        int e;

        if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
            dup2(out_fd, STDERR_FILENO) < 0)
                _exit(127);
        /* keep the exec-error pipe as fd 3, close-on-exec, and close everything above */
        if (err_fd != 3 && dup2(err_fd, 3) < 0)
                _exit(127);
        fcntl(3, F_SETFD, FD_CLOEXEC);
        for (int sig = 1; sig < NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        signal(sig, SIG_DFL);
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
#ifdef SYS_close_range
        if (syscall(SYS_close_range, 4U, ~0U, 0U) < 0)
#endif
                for (long fd = 4; fd < max_fd; fd++)
                        close((int)fd);
        execv(path, argv);
        e = errno;
        (void)!write(3, &e, sizeof(e));
        _exit(127);
}

bool vn_spawn_exec_failed(int fd, int *e)
{
        ssize_t n;

        do
                n = read(fd, e, sizeof(*e));
        while (n < 0 && errno == EINTR);
        return n == (ssize_t)sizeof(*e);
}

static int (*dry_fn)(char *const *argv, char **out, void *userdata);
static void *dry_userdata;

void vn_run_set_dry(int (*fn)(char *const *argv, char **out, void *userdata), void *userdata)
{
        dry_fn = fn;
        dry_userdata = userdata;
}

static long now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for pid until deadline (0: none); past it kill it. Exit status, or -ETIMEDOUT. */
static int wait_until(pid_t pid, long deadline)
{
        int st;

        for (;;) {
                pid_t r = waitpid(pid, &st, deadline ? WNOHANG : 0);

                if (r == pid)
                        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
                if (r < 0 && errno != EINTR)
                        return -errno;
                if (deadline && now_ms() > deadline) {
                        kill(pid, SIGKILL);
                        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                                ;
                        return -ETIMEDOUT;
                }
                if (r == 0)
                        usleep(5000);
        }
}

/* Read fd until EOF or the deadline (0: none) into a growing string. */
static char *collect(int fd, long deadline)
{
        char *buf = NULL;
        size_t len = 0;

        for (;;) {
                struct pollfd pfd = {.fd = fd, .events = POLLIN};
                long left = deadline ? deadline - now_ms() : -1;
                char chunk[4096], *nb;
                ssize_t n;
                int r;

                if (deadline && left <= 0)
                        break;
                r = poll(&pfd, 1, deadline ? (int)left : -1);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        break;
                n = read(fd, chunk, sizeof(chunk));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                nb = realloc(buf, len + (size_t)n + 1);
                if (!nb)
                        break;
                buf = nb;
                memcpy(buf + len, chunk, (size_t)n);
                len += (size_t)n;
                buf[len] = '\0';
        }
        return buf ? buf : strdup("");
}

int vn_run(const struct vn_run_opts *o, char **out)
{
        long deadline = o->timeout_ms > 0 ? now_ms() + o->timeout_ms : 0;
        int null = -1, cap[2] = {-1, -1}, ex[2] = {-1, -1};
        long max_fd = sysconf(_SC_OPEN_MAX);
        int in, outfd, e = 0, r;
        pid_t pid;

        if (out)
                *out = NULL;
        if (dry_fn)
                return dry_fn(o->argv, out, dry_userdata);
        null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null < 0)
                return -errno;
        if ((o->out_fd < 0 && out && pipe2(cap, O_CLOEXEC) < 0) || pipe2(ex, O_CLOEXEC) < 0) {
                r = -errno;
                goto out;
        }
        in = o->in_fd >= 0 ? o->in_fd : null;
        outfd = o->out_fd >= 0 ? o->out_fd : cap[1] >= 0 ? cap[1] : null;
        pid = fork();
        if (pid < 0) {
                r = -errno;
                goto out;
        }
        if (pid == 0) {
                if (o->netns_fd >= 0 && setns(o->netns_fd, CLONE_NEWNET) < 0) {
                        e = errno;
                        (void)!write(ex[1], &e, sizeof(e));
                        _exit(127);
                }
                vn_spawn_child_exec(o->argv[0], o->argv, in, outfd, ex[1],
                                    max_fd > 0 ? max_fd : 1024);
        }
        close(ex[1]);
        ex[1] = -1;
        if (cap[1] >= 0) {
                close(cap[1]);
                cap[1] = -1;
        }
        if (vn_spawn_exec_failed(ex[0], &e)) {
                while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                        ;
                r = -(e > 0 ? e : EIO);
                goto out;
        }
        if (cap[0] >= 0)
                *out = collect(cap[0], deadline);
        r = wait_until(pid, deadline);
out:
        for (int *fd = (int[]){null, cap[0], cap[1], ex[0], ex[1]}, i = 0; i < 5; i++)
                if (fd[i] >= 0)
                        close(fd[i]);
        return r;
}
