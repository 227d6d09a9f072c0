/*
 * spawn.c: the child half of fork/exec shared by the drivers that run
 * programs (see spawn.h).
 */
#include "config.h"

#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
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
