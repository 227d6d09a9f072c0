/*
 * state.c: paths under --root, per-network locks, loading definitions.
 */
#include "config.h"

#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

/* Run as root, vnet must not keep its state where another user can plant a symlink, a journal
 * or a definition: the root and vnet's directories under it (those that exist) must be
 * root's. Checked once per command, before anything is read or written. */
static int ctx_check_root(struct vn_ctx *ctx, struct vn_error *err)
{
        const char *root = ctx->root[0] ? ctx->root : "/";
        _cleanup_free_ char *canon = NULL, *run = NULL, *etc = NULL, *etcv = NULL;
        const char *dirs[8];
        size_t n = 0;
        int r;

        if (geteuid() != 0)
                return 0;
        /* the root itself may be reached through root's own symlinks (/var/run -> /run) */
        r = vn_path_trust(root, err);
        if (r < 0)
                return r;
        canon = realpath(root, NULL);
        if (canon && strcmp(canon, root) != 0 && strcmp(canon, "/") != 0) {
                /* from here on, every path is walked without following symlinks */
                char **paths[] = {&ctx->root, &ctx->def_dir, &ctx->auto_dir, &ctx->run_dir,
                                  &ctx->lock_dir};
                size_t rl = strlen(ctx->root);

                for (size_t i = 0; i < VN_ARRAY_SIZE(paths); i++) {
                        char *np = vn_asprintf("%s%s", canon, *paths[i] + rl);

                        if (!np)
                                return vn_err(err, -ENOMEM, "out of memory");
                        free(*paths[i]);
                        *paths[i] = np;
                }
        }
        run = vn_asprintf("%s/run", ctx->root);
        etc = vn_asprintf("%s/etc", ctx->root);
        etcv = vn_asprintf("%s/etc/vnet", ctx->root);
        if (!run || !etc || !etcv)
                return vn_err(err, -ENOMEM, "out of memory");
        dirs[n++] = ctx->root[0] ? ctx->root : "/";
        dirs[n++] = run;
        dirs[n++] = ctx->run_dir;
        dirs[n++] = ctx->lock_dir;
        dirs[n++] = etc;
        dirs[n++] = etcv;
        dirs[n++] = ctx->def_dir;
        dirs[n++] = ctx->auto_dir;
        for (size_t i = 0; i < n; i++) {
                int fd = vn_dir_open(dirs[i], false, 0, err);

                if (fd == -ENOENT)
                        continue;
                if (fd < 0)
                        return fd;
                close(fd);
        }
        return 0;
}

int vn_ctx_new(const char *root, struct vn_ctx **out, struct vn_error *err)
{
        struct vn_ctx *ctx;
        const char *rp = root;
        size_t len;
        int r;

        if (!rp || !*rp)
                rp = getenv("VNET_ROOT");
        if (!rp || !*rp)
                rp = "/";
        if (rp[0] != '/')
                return vn_err(err, -EINVAL, "--root '%s': must be an absolute path", rp);
        /* the root is part of paths written into dnsmasq.conf, nft and iptables input */
        if (!vn_conf_value_ok(rp))
                return vn_err(err, -EINVAL, "--root '%.200s': %s", rp, VN_CONF_VALUE_RULE);
        ctx = calloc(1, sizeof(*ctx));
        if (!ctx)
                return -ENOMEM;
        ctx->root = strdup(rp);
        if (!ctx->root)
                goto oom;
        len = strlen(ctx->root);
        while (len > 0 && ctx->root[len - 1] == '/')
                ctx->root[--len] = '\0';
        ctx->def_dir = vn_asprintf("%s/etc/vnet/networks", ctx->root);
        ctx->auto_dir = vn_asprintf("%s/etc/vnet/networks/autostart", ctx->root);
        ctx->run_dir = vn_asprintf("%s/run/vnet", ctx->root);
        /* network names cannot start with '.': no network's state dir can be the lock dir */
        ctx->lock_dir = vn_asprintf("%s/run/vnet/.locks", ctx->root);
        if (!ctx->def_dir || !ctx->auto_dir || !ctx->run_dir || !ctx->lock_dir)
                goto oom;
        r = ctx_check_root(ctx, err);
        if (r < 0) {
                vn_ctx_free(ctx);
                return r;
        }
        ctx->lock_timeout_ms = 10000;
        if (getenv("VNET_LOCK_TIMEOUT_MS"))
                ctx->lock_timeout_ms = (unsigned)strtoul(getenv("VNET_LOCK_TIMEOUT_MS"), NULL, 10);
        *out = ctx;
        return 0;
oom:
        vn_ctx_free(ctx);
        return vn_err(err, -ENOMEM, "out of memory");
}

void vn_ctx_free(struct vn_ctx *ctx)
{
        if (!ctx)
                return;
        free(ctx->root);
        free(ctx->def_dir);
        free(ctx->auto_dir);
        free(ctx->run_dir);
        free(ctx->lock_dir);
        free(ctx);
}

void vn_ctx_log(struct vn_ctx *ctx, const char *fmt, ...)
{
        _cleanup_buf_ struct vn_buf b = {0};
        va_list ap;

        if (!ctx || !ctx->log || ctx->verbose <= 0)
                return;
        va_start(ap, fmt);
        vn_buf_vaddf(&b, fmt, ap);
        va_end(ap);
        ctx->log(ctx->log_userdata, vn_buf_str(&b));
}

char *vn_path_def(struct vn_ctx *ctx, const char *name)
{
        return vn_asprintf("%s/%s.xml", ctx->def_dir, name);
}

char *vn_path_autostart(struct vn_ctx *ctx, const char *name)
{
        return vn_asprintf("%s/%s.xml", ctx->auto_dir, name);
}

char *vn_path_run(struct vn_ctx *ctx, const char *name)
{
        return vn_asprintf("%s/%s", ctx->run_dir, name);
}

char *vn_path_run_file(struct vn_ctx *ctx, const char *name, const char *file)
{
        return vn_asprintf("%s/%s/%s", ctx->run_dir, name, file);
}

int vn_lock(struct vn_ctx *ctx, const char *name, struct vn_error *err)
{
        _cleanup_free_ char *path = NULL, *file = NULL;
        _cleanup_close_ int dfd = -1;
        uint64_t deadline;
        int fd, r;

        dfd = vn_dir_open(ctx->lock_dir, true, 0755, err);
        if (dfd < 0)
                return vn_err(err, dfd, "cannot open lock directory '%s': %s", ctx->lock_dir,
                              strerror(-dfd));
        path = vn_asprintf("%s/%s.lock", ctx->lock_dir, name);
        file = vn_asprintf("%s.lock", name);
        if (!path || !file)
                return -ENOMEM;
        fd = openat(dfd, file, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
        if (fd < 0)
                return vn_err(err, -errno, "cannot open lock '%s': %s", path, strerror(errno));
        deadline = vn_now_ns() + (uint64_t)ctx->lock_timeout_ms * 1000000ull;
        for (unsigned wait_ms = 1;; wait_ms = wait_ms < 50 ? wait_ms * 2 : 50) {
                if (flock(fd, LOCK_EX | LOCK_NB) == 0)
                        return fd;
                if (errno != EWOULDBLOCK && errno != EINTR) {
                        r = -errno;
                        close(fd);
                        return vn_err(err, r, "cannot lock '%s': %s", path, strerror(-r));
                }
                if (vn_now_ns() >= deadline) {
                        close(fd);
                        return vn_err(err, -EBUSY,
                                      "network '%s' is busy: another vnet command holds its lock "
                                      "(waited %u ms; retry later)",
                                      name, ctx->lock_timeout_ms);
                }
                poll(NULL, 0, (int)wait_ms);
        }
}

void vn_unlock(int fd)
{
        if (fd >= 0)
                close(fd); /* releases the flock */
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of entries in dir: with suffix (stripped) when suffix != NULL, else directories. */
static int list_dir(const char *dir, const char *suffix, char ***out, size_t *n)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        char **v = NULL;
        size_t cnt = 0;

        *out = NULL;
        *n = 0;
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        while ((de = readdir(d))) {
                size_t len = strlen(de->d_name);
                char *name;
                char **nv;

                if (de->d_name[0] == '.')
                        continue;
                if (suffix) {
                        size_t sl = strlen(suffix);

                        if (len <= sl || strcmp(de->d_name + len - sl, suffix) != 0)
                                continue;
                        name = strndup(de->d_name, len - sl);
                } else {
                        struct stat st;

                        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                            !S_ISDIR(st.st_mode))
                                continue;
                        name = strdup(de->d_name);
                }
                nv = name ? realloc(v, (cnt + 1) * sizeof(*v)) : NULL;
                if (!nv) {
                        free(name);
                        vn_strv_free(v, cnt);
                        closedir(d);
                        return -ENOMEM;
                }
                v = nv;
                v[cnt++] = name;
        }
        closedir(d);
        if (cnt)
                qsort(v, cnt, sizeof(*v), cmp_str);
        *out = v;
        *n = cnt;
        return 0;
}

int vn_running_names(struct vn_ctx *ctx, char ***out, size_t *n)
{
        return list_dir(ctx->run_dir, NULL, out, n);
}

void vn_defs_free(struct vn_net **nets, size_t n)
{
        if (!nets)
                return;
        for (size_t i = 0; i < n; i++)
                vn_net_free(nets[i]);
        free(nets);
}

int vn_def_load(struct vn_ctx *ctx, const char *name, struct vn_net **out, struct vn_error *err)
{
        _cleanup_free_ char *path = NULL;
        int r;

        if (!vn_net_name_valid(name))
                return vn_err(err, -EINVAL, "'%s' is not a valid network name", name);
        path = vn_path_def(ctx, name);
        if (!path)
                return -ENOMEM;
        if (access(path, F_OK) < 0)
                return vn_err(err, -ENOENT, "network '%s' is not defined", name);
        r = vn_net_parse_file(path, out, err);
        return r;
}

int vn_defs_load(struct vn_ctx *ctx, struct vn_net ***out, size_t *n, struct vn_error *err)
{
        char **names = NULL;
        size_t cnt = 0, got = 0;
        struct vn_net **nets;
        int r;

        *out = NULL;
        *n = 0;
        r = list_dir(ctx->def_dir, ".xml", &names, &cnt);
        if (r < 0)
                return vn_err(err, r, "cannot read '%s': %s", ctx->def_dir, strerror(-r));
        nets = calloc(cnt ? cnt : 1, sizeof(*nets));
        if (!nets) {
                vn_strv_free(names, cnt);
                return -ENOMEM;
        }
        size_t bad = 0;

        for (size_t i = 0; i < cnt; i++) {
                struct vn_error e = {0};
                struct vn_net *net = NULL;

                if (vn_def_load(ctx, names[i], &net, &e) < 0) {
                        /* keep loading the others; remember the first problem */
                        if (bad++ == 0)
                                vn_err(err, e.code, "%s", e.msg);
                        continue;
                }
                nets[got++] = net;
        }
        vn_strv_free(names, cnt);
        if (bad > 1) {
                char first[sizeof(err->msg)];

                snprintf(first, sizeof(first), "%s", err->msg);
                vn_err_replace(err, err->code, "%s (and %zu more unreadable definition%s)",
                               first, bad - 1, bad > 2 ? "s" : "");
        }
        *out = nets;
        *n = got;
        return 0;
}

const char *vn_net_state_name(enum vn_net_state s)
{
        switch (s) {
        case VN_STATE_ACTIVE:
                return "active";
        case VN_STATE_FAILED:
                return "failed";
        case VN_STATE_INACTIVE:
        default:
                return "inactive";
        }
}

enum vn_net_state vn_state_get(struct vn_ctx *ctx, const char *name)
{
        _cleanup_free_ char *journal = vn_path_run_file(ctx, name, "journal");
        _cleanup_free_ char *started = vn_path_run_file(ctx, name, "started");

        if (!journal || !started)
                return VN_STATE_INACTIVE;
        if (access(started, F_OK) == 0)
                return VN_STATE_ACTIVE;
        if (access(journal, F_OK) == 0)
                return VN_STATE_FAILED; /* a start that died halfway: destroy cleans it */
        return VN_STATE_INACTIVE;
}
