/*
 * fw-ipt.c: the iptables fallback — iptables-restore --noflush fed on stdin,
 * and plain iptables/ip6tables invocations. The children inherit no fd of
 * ours but their stdio, and their output comes back as the error text.
 */
#include "config.h"

#include "spawn.h"
#include "fw.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* Run path with argv, stdin from in_fd (or /dev/null when < 0), stdout+stderr collected into
 * *out (when out != NULL). Returns the exit status (>= 0) or -errno. */
static int run(const char *path, char *const *argv, int in_fd, char **out)
{
        _cleanup_close_ int devnull = -1, rd = -1, wr = -1, exec_rd = -1, exec_wr = -1;
        _cleanup_buf_ struct vn_buf b = {0};
        long max_fd = sysconf(_SC_OPEN_MAX);
        int p[2], status, e;
        ssize_t n;
        pid_t pid;

        if (max_fd < 0 || max_fd > 65536)
                max_fd = 65536;
        if (in_fd < 0) {
                devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (devnull < 0)
                        return -errno;
                in_fd = devnull;
        }
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        rd = p[0];
        wr = p[1];
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        exec_rd = p[0];
        exec_wr = p[1];
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0)
                vn_spawn_child_exec(path, argv, in_fd, wr, exec_wr, max_fd);
        close(wr);
        wr = -1;
        close(exec_wr);
        exec_wr = -1;
        /* EOF: exec succeeded (the pipe was close-on-exec); an int: exec's errno */
        do
                n = read(exec_rd, &e, sizeof(e));
        while (n < 0 && errno == EINTR);
        if (n == (ssize_t)sizeof(e)) {
                while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                        ;
                return -e;
        }
        for (;;) {
                char chunk[4096];

                n = read(rd, chunk, sizeof(chunk));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                if (out)
                        vn_buf_addn(&b, chunk, (size_t)n);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (out) {
                char *s = b.s ? vn_buf_steal(&b) : strdup("");

                if (!s)
                        return -ENOMEM;
                *out = s;
        }
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        return 128 + WTERMSIG(status);
}

/* "/usr/sbin/iptables-restore" → "/usr/sbin/iptables" */
static char *sibling_tool(const char *restore_path)
{
        size_t n = strlen(restore_path);
        const char *suffix = "-restore";
        size_t sl = strlen(suffix);

        if (n > sl && strcmp(restore_path + n - sl, suffix) == 0)
                return vn_asprintf("%.*s", (int)(n - sl), restore_path);
        return strdup(restore_path);
}

/**
 * vn_ipt_restore: iptables-restore --noflush --wait < rules. The rules go
 * through a memfd, so a child that dies early cannot block or SIGPIPE us.
 */
int vn_ipt_restore(bool ipv6, const char *rules, struct vn_error *err)
{
        const char *path = ipv6 ? IP6TABLES_RESTORE_PATH : IPTABLES_RESTORE_PATH;
        const char *tool = ipv6 ? "ip6tables-restore" : "iptables-restore";
        char *argv[] = {(char *)path, (char *)"--noflush", (char *)"--wait", NULL};
        _cleanup_free_ char *out = NULL;
        _cleanup_close_ int mfd = -1;
        size_t len = rules ? strlen(rules) : 0, off = 0;
        int r;

        mfd = memfd_create("vnet-iptables", MFD_CLOEXEC);
        if (mfd < 0)
                return vn_err(err, -errno, "%s: memfd: %s", tool, strerror(errno));
        while (off < len) {
                ssize_t n = write(mfd, rules + off, len - off);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return vn_err(err, -errno, "%s: %s", tool, strerror(errno));
                off += (size_t)n;
        }
        if (lseek(mfd, 0, SEEK_SET) < 0)
                return vn_err(err, -errno, "%s: %s", tool, strerror(errno));
        r = run(path, argv, mfd, &out);
        if (r < 0)
                return vn_err(err, r, "%s: cannot run %s: %s", tool, path, strerror(-r));
        if (r != 0) {
                size_t n = strlen(out);

                while (n > 0 && out[n - 1] == '\n')
                        n--;
                return vn_err(err, -EIO, "%s: exit status %d: %.*s", tool, r, (int)n, out);
        }
        return 0;
}

int vn_ipt_exec(bool ipv6, const char *const *argv, char **out)
{
        _cleanup_free_ char *path = NULL;
        char **v;
        size_t n = 0;
        int r;

        path = sibling_tool(ipv6 ? IP6TABLES_RESTORE_PATH : IPTABLES_RESTORE_PATH);
        if (!path)
                return -ENOMEM;
        while (argv && argv[n])
                n++;
        v = calloc(n + 2, sizeof(*v));
        if (!v)
                return -ENOMEM;
        v[0] = path;
        for (size_t i = 0; i < n; i++)
                v[i + 1] = (char *)argv[i];
        r = run(path, v, -1, out);
        free(v);
        return r;
}
