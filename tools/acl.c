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
                        int r = acl_file(s, arg, depth + 1, true, err);

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
