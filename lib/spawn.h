/*
 * spawn.h: the process runner — the one place that forks. vn_run() runs a
 * program and waits for it (stdin, output to an fd or captured, a network
 * namespace, a timeout, and a dry-run hook for tests); the child half
 * (vn_spawn_child_exec) gives every child clean signal state, no inherited
 * fds, and an exec failure reported back to the parent through a pipe.
 */
#ifndef VNET_SPAWN_H
#define VNET_SPAWN_H

#include <stdbool.h>

/* In the child, between fork and exec (async-signal-safe calls only): stdin from in_fd,
 * stdout and stderr to out_fd, the close-on-exec pipe err_fd kept as fd 3 to report an exec
 * failure (errno written to it), every other fd closed, signals back to defaults. Never
 * returns. */
void vn_spawn_child_exec(const char *path, char *const *argv, int in_fd, int out_fd, int err_fd,
                         long max_fd) __attribute__((noreturn));
/* In the parent: did the child report an exec failure on fd? Blocks until exec or _exit. */
bool vn_spawn_exec_failed(int fd, int *e);

struct vn_run_opts {
        char *const *argv; /* argv[0]: the program's path */
        int in_fd;         /* stdin; -1: /dev/null */
        int out_fd;        /* stdout and stderr; -1: captured into *out (or /dev/null) */
        int netns_fd;      /* >= 0: the child enters this network namespace before exec */
        int timeout_ms;    /* > 0: killed (SIGKILL) after that long; 0: no limit */
};

/**
 * vn_run: run o->argv and wait for it. Output goes to o->out_fd, or when that is -1 is
 * collected into *out (a NUL-terminated string to free; out may be NULL). Returns the exit
 * status (0-255, 128+signal), -ETIMEDOUT when it was killed for taking too long, or -errno
 * when it could not be started (exec's errno).
 */
int vn_run(const struct vn_run_opts *o, char **out);

/**
 * vn_run_set_dry: route every vn_run() through fn instead (tests, dry runs): fn gets the
 * argv and the capture pointer and returns what vn_run should. NULL restores real runs.
 * Returns nothing.
 */
void vn_run_set_dry(int (*fn)(char *const *argv, char **out, void *userdata), void *userdata);

#endif
