/*
 * spawn.h: the child half of fork/exec for the drivers that run programs
 * (dnsmasq, iptables): clean signal state, no inherited fds, and an exec
 * failure reported back to the parent through a pipe.
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

#endif
