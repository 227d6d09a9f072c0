/*
 * acl.c: reading the bridge helper's access list (see acl.h). A front-end
 * concern — who may attach to which bridge — so it lives with the helper.
 */
#include "config.h"

#include "acl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define ACL_MAX_DEPTH 8
#define ACL_MAX_SIZE  (256 * 1024)

struct acl_state {
        const char *bridge;
        unsigned flags;
        bool allow, deny;
};

static int acl_file(struct acl_state *s, const char *path, unsigned depth, bool included,
                    struct vn_error *err)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int fd = -1;
        struct stat st;
        char *save = NULL;
        unsigned lineno = 0;
        ssize_t n;
        size_t len = 0;

        if (path[0] != '/')
                return vn_err(err, -EINVAL, "ACL file '%s': the path must be absolute", path);
        if (depth > ACL_MAX_DEPTH)
                return vn_err(err, -ELOOP, "ACL file '%s': includes nested too deeply", path);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
                            ((s->flags & VN_ACL_STRICT) && included ? O_NOFOLLOW : 0));
        if (fd < 0)
                return vn_err(err, -errno, "ACL file '%s': %s%s", path, strerror(errno),
                              errno == ELOOP ? " (a symlink: refused)" : "");
        if (fstat(fd, &st) < 0)
                return vn_err(err, -errno, "ACL file '%s': %s", path, strerror(errno));
        if (!S_ISREG(st.st_mode))
                return vn_err(err, -EINVAL, "ACL file '%s': not a regular file", path);
        if (s->flags & VN_ACL_STRICT) {
                if (st.st_mode & (S_IWGRP | S_IWOTH))
                        return vn_err(err, -EPERM,
                                      "ACL file '%s': writable by group or others: refused", path);
                if (st.st_uid != 0)
                        return vn_err(err, -EPERM, "ACL file '%s': not owned by root: refused",
                                      path);
        }
        if (st.st_size > ACL_MAX_SIZE)
                return vn_err(err, -EFBIG, "ACL file '%s': too large", path);
        text = malloc((size_t)st.st_size + 1);
        if (!text)
                return vn_err(err, -ENOMEM, "out of memory");
        while (len < (size_t)st.st_size) {
                n = read(fd, text + len, (size_t)st.st_size - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return vn_err(err, -errno, "ACL file '%s': %s", path, strerror(errno));
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        text[len] = '\0';
        /* a NUL would end the text early and hide every line after it */
        if (memchr(text, '\0', len))
                return vn_err(err, -EINVAL, "ACL file '%s': contains a NUL byte: refused", path);
        for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char *cmd, *arg, *extra, *s2 = NULL;

                lineno++;
                cmd = strtok_r(l, " \t\r", &s2);
                if (!cmd || cmd[0] == '#')
                        continue;
                arg = strtok_r(NULL, " \t\r", &s2);
                extra = strtok_r(NULL, " \t\r", &s2);
                if (!arg || (extra && extra[0] != '#'))
                        return vn_err(err, -EINVAL,
                                      "ACL file '%s': line %u: expected '%s ARGUMENT'", path,
                                      lineno, cmd);
                if (strcmp(cmd, "allow") == 0) {
                        if (strcmp(arg, "all") == 0 || strcmp(arg, s->bridge) == 0)
                                s->allow = true;
                } else if (strcmp(cmd, "deny") == 0) {
                        if (strcmp(arg, "all") == 0 || strcmp(arg, s->bridge) == 0)
                                s->deny = true;
                } else if (strcmp(cmd, "include") == 0) {
                        int r;

                        /* relative to what? (QEMU's working directory, today's user's choice) */
                        if (arg[0] != '/')
                                return vn_err(err, -EINVAL,
                                              "ACL file '%s': line %u: include '%s': the path "
                                              "must be absolute",
                                              path, lineno, arg);
                        r = acl_file(s, arg, depth + 1, true, err);

                        if (r < 0)
                                return r;
                } else {
                        return vn_err(err, -EINVAL,
                                      "ACL file '%s': line %u: unknown directive '%s' (allow, "
                                      "deny, include)",
                                      path, lineno, cmd);
                }
        }
        return 0;
}

int vn_acl_check(const char *path, const char *bridge, unsigned flags, bool *allowed,
                 struct vn_error *err)
{
        struct acl_state s = {.bridge = bridge, .flags = flags};
        int r = acl_file(&s, path, 0, false, err);

        if (r < 0)
                return r;
        *allowed = s.allow && !s.deny;
        return 0;
}

/* A file descriptor number: digits only (no sign, no space, not empty), at most 65535. */
static int fd_number(const char *v)
{
        long fd = 0;

        if (!*v || strspn(v, "0123456789") != strlen(v) || strlen(v) > 5)
                return -EINVAL;
        fd = strtol(v, NULL, 10);
        return fd > 65535 ? -EINVAL : (int)fd;
}

int vn_helper_args_parse(int argc, char **argv, struct vn_helper_args *a, struct vn_error *err)
{
        struct vn_helper_args o = {.fd = -1};

        for (int i = 1; i < argc; i++) {
                const char *arg = argv[i], *v;

                if (strcmp(arg, "--use-vnet") == 0) {
                        o.vnet_hdr = true;
                } else if (strcmp(arg, "--acl-path") == 0) {
                        o.acl_path = true;
                } else if (strcmp(arg, "--check") == 0) {
                        o.check = true;
                } else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
                        o.help = true;
                } else if (strncmp(arg, "--br=", 5) == 0 || strcmp(arg, "--br") == 0) {
                        if (arg[4] == '=')
                                v = arg + 5;
                        else if (i + 1 < argc)
                                v = argv[++i];
                        else
                                return vn_err(err, -EINVAL, "--br needs a bridge name");
                        if (o.br)
                                return vn_err(err, -EINVAL, "--br given twice");
                        o.br = v;
                } else if (strncmp(arg, "--fd=", 5) == 0 || strcmp(arg, "--fd") == 0) {
                        if (arg[4] == '=')
                                v = arg + 5;
                        else if (i + 1 < argc)
                                v = argv[++i];
                        else
                                return vn_err(err, -EINVAL, "--fd needs a file descriptor");
                        if (o.fd >= 0)
                                return vn_err(err, -EINVAL, "--fd given twice");
                        o.fd = fd_number(v);
                        if (o.fd < 0)
                                return vn_err(err, -EINVAL,
                                              "--fd '%s': not a file descriptor (digits only)", v);
                } else {
                        return vn_err(err, -EINVAL, "unknown argument '%s'", arg);
                }
        }
        if (!o.help && !o.acl_path && !o.check && (!o.br || o.fd < 0))
                return vn_err(err, -EINVAL, "--br and --fd are required");
        *a = o;
        return 0;
}
