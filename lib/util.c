/*
 * util.c: error model, string buffer and small file helpers shared by
 * every layer.
 */
#include "config.h"

#include "util.h"
#include "addr.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static int vn_err_v(struct vn_error *err, bool replace, int code, const char *fmt, va_list ap)
{
        if (!err)
                return code;
        if (err->code != 0 && !replace)
                return code;
        err->code = code ? code : -EINVAL;
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        return code;
}

int vn_err(struct vn_error *err, int code, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vn_err_v(err, false, code, fmt, ap);
        va_end(ap);
        return code;
}

int vn_err_replace(struct vn_error *err, int code, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vn_err_v(err, true, code, fmt, ap);
        va_end(ap);
        return code;
}

void vn_err_prefix(struct vn_error *err, const char *fmt, ...)
{
        char old[VN_ERR_MSG_MAX];
        va_list ap;
        size_t n;

        if (!err || err->code == 0)
                return;
        memcpy(old, err->msg, sizeof(old));
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
        n = strlen(err->msg);
        if (n + 2 < sizeof(err->msg)) {
                memcpy(err->msg + n, ": ", 3);
                n += 2;
                memcpy(err->msg + n, old, strnlen(old, sizeof(err->msg) - n - 1));
                err->msg[sizeof(err->msg) - 1] = '\0';
                err->msg[n + strnlen(old, sizeof(err->msg) - n - 1)] = '\0';
        }
}

static bool vn_buf_reserve(struct vn_buf *b, size_t extra)
{
        size_t need, cap;
        char *n;

        if (b->oom)
                return false;
        need = b->len + extra + 1;
        if (need <= b->cap)
                return true;
        cap = b->cap ? b->cap : 128;
        while (cap < need)
                cap *= 2;
        n = realloc(b->s, cap);
        if (!n) {
                b->oom = true;
                return false;
        }
        b->s = n;
        b->cap = cap;
        return true;
}

void vn_buf_addn(struct vn_buf *b, const char *s, size_t n)
{
        if (!vn_buf_reserve(b, n))
                return;
        memcpy(b->s + b->len, s, n);
        b->len += n;
        b->s[b->len] = '\0';
}

void vn_buf_add(struct vn_buf *b, const char *s)
{
        vn_buf_addn(b, s, strlen(s));
}

void vn_buf_vaddf(struct vn_buf *b, const char *fmt, va_list ap)
{
        va_list ap2;
        int n;

        va_copy(ap2, ap);
        n = vsnprintf(NULL, 0, fmt, ap2);
        va_end(ap2);
        if (n < 0 || !vn_buf_reserve(b, (size_t)n))
                return;
        vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
        b->len += (size_t)n;
}

void vn_buf_addf(struct vn_buf *b, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vn_buf_vaddf(b, fmt, ap);
        va_end(ap);
}

void vn_buf_indent(struct vn_buf *b, int n)
{
        if (n <= 0 || !vn_buf_reserve(b, (size_t)n))
                return;
        memset(b->s + b->len, ' ', (size_t)n);
        b->len += (size_t)n;
        b->s[b->len] = '\0';
}

char *vn_buf_steal(struct vn_buf *b)
{
        char *s;

        if (b->oom) {
                vn_buf_free(b);
                return NULL;
        }
        s = b->s ? b->s : strdup("");
        b->s = NULL;
        b->len = b->cap = 0;
        return s;
}

void vn_buf_free(struct vn_buf *b)
{
        free(b->s);
        b->s = NULL;
        b->len = b->cap = 0;
        b->oom = false;
}

void vn_strv_free(char **v, size_t n)
{
        if (!v)
                return;
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

char *vn_strdup(const char *s)
{
        return s ? strdup(s) : NULL;
}

char *vn_asprintf(const char *fmt, ...)
{
        va_list ap;
        char *s = NULL;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        return r < 0 ? NULL : s;
}

bool vn_streq(const char *a, const char *b)
{
        if (!a || !b)
                return a == b;
        return strcmp(a, b) == 0;
}

bool vn_conf_value_ok(const char *s)
{
        if (!s || !*s)
                return false;
        for (; *s; s++) {
                unsigned char ch = (unsigned char)*s;

                if (ch <= ' ' || ch == 0x7f || ch == ',' || ch == '#' || ch == '"')
                        return false;
        }
        return true;
}

void vn_buf_add_json_str(struct vn_buf *b, const char *s)
{
        vn_buf_add(b, "\"");
        for (; s && *s; s++) {
                unsigned char ch = (unsigned char)*s;

                if (ch == '"' || ch == '\\')
                        vn_buf_addf(b, "\\%c", ch);
                else if (ch < 0x20 || ch == 0x7f)
                        vn_buf_addf(b, "\\u%04x", ch);
                else
                        vn_buf_addn(b, s, 1);
        }
        vn_buf_add(b, "\"");
}

void vn_buf_add_escaped_line(struct vn_buf *b, const char *s)
{
        for (; s && *s; s++) {
                unsigned char ch = (unsigned char)*s;

                if (ch < 0x20 || ch == 0x7f || ch == '%' || ch == '\\')
                        vn_buf_addf(b, "%%%02X", ch);
                else
                        vn_buf_addn(b, s, 1);
        }
}

void vn_unescape_line(char *s)
{
        char *w = s;

        for (; *s; s++) {
                int hi, lo;

                if (*s == '%' && (hi = vn_hexval(s[1])) >= 0 && (lo = vn_hexval(s[2])) >= 0 &&
                    (hi || lo)) {
                        *w++ = (char)(hi * 16 + lo);
                        s += 2;
                } else {
                        *w++ = *s;
                }
        }
        *w = '\0';
}

int vn_read_file(const char *path, size_t max, char **out, size_t *out_len)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *data = NULL;
        size_t len = 0, cap = 0;
        struct stat st;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max)
                return -EFBIG;
        for (;;) {
                ssize_t n;

                if (len + 4096 + 1 > cap) {
                        size_t ncap = cap ? cap * 2 : 8192;
                        char *n2;

                        if (len > max)
                                return -EFBIG;
                        n2 = realloc(data, ncap);
                        if (!n2)
                                return -ENOMEM;
                        data = n2;
                        cap = ncap;
                }
                n = read(fd, data + len, cap - len - 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
                if (len > max)
                        return -EFBIG;
        }
        if (!data) {
                data = malloc(1);
                if (!data)
                        return -ENOMEM;
        }
        data[len] = '\0';
        *out = VN_TAKE(data);
        if (out_len)
                *out_len = len;
        return 0;
}

int vn_write_file_atomic(const char *path, const char *data, size_t len, unsigned mode)
{
        _cleanup_free_ char *tmp = NULL;
        int fd, r = 0;
        size_t off = 0;

        /* mkostemp: O_EXCL with an unpredictable name, so a file planted beside the target
         * is never opened, and its owner and mode never carry over; the mode is set on the
         * fd, not by the umask */
        tmp = vn_asprintf("%s.tmp.XXXXXX", path);
        if (!tmp)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fchmod(fd, mode & 07777) < 0)
                r = -errno;
        while (r == 0 && off < len) {
                ssize_t n = write(fd, data + off, len - off);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        break;
                }
                off += (size_t)n;
        }
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                unlink(tmp);
        return r;
}

/* May a directory with this owner and mode be on a path root trusts? Owned by root and not
 * writable by anyone else, or a root-owned sticky directory (/tmp, a tmpfs /run), where
 * nobody can rename or remove what another user made in it. */
static bool dir_trusted(const struct stat *st)
{
        if (st->st_uid != 0)
                return false;
        return !(st->st_mode & (S_IWGRP | S_IWOTH)) || (st->st_mode & S_ISVTX);
}

static int untrusted(struct vn_error *err, const char *path, const struct stat *st)
{
        if (st->st_uid != 0)
                return vn_err(err, -EPERM,
                              "'%s' is owned by uid %u, not root: refusing to keep root's "
                              "state under it (chown root, or choose another --root)",
                              path, (unsigned)st->st_uid);
        return vn_err(err, -EPERM,
                      "'%s' is writable by group or others (mode %04o): refusing to keep "
                      "root's state under it (chmod go-w, or choose another --root)",
                      path, (unsigned)(st->st_mode & 07777));
}

int vn_dir_open(const char *path, bool create, unsigned mode, struct vn_error *err)
{
        _cleanup_free_ char *buf = NULL;
        bool check = geteuid() == 0;
        struct stat st;
        char *p, *next;
        int fd, nfd;

        if (!path || path[0] != '/')
                return vn_err(err, -EINVAL, "'%s': not an absolute path", path ? path : "");
        buf = strdup(path);
        if (!buf)
                return vn_err(err, -ENOMEM, "out of memory");
        fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return vn_err(err, -errno, "cannot open '/': %s", strerror(errno));
        if (check && (fstat(fd, &st) < 0 || !dir_trusted(&st))) {
                close(fd);
                return untrusted(err, "/", &st);
        }
        for (p = buf; *p == '/'; p++)
                ;
        for (; *p; p = next) {
                char *end = strchr(p, '/');

                next = end ? end : p + strlen(p);
                while (*next == '/')
                        next++;
                if (end)
                        *end = '\0';
                if (strcmp(p, ".") == 0 || strcmp(p, "..") == 0) {
                        close(fd);
                        return vn_err(err, -EINVAL, "'%s': '.' and '..' are not allowed in a "
                                                    "state path", path);
                }
                nfd = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (nfd < 0 && errno == ENOENT && create) {
                        if (mkdirat(fd, p, mode) < 0 && errno != EEXIST) {
                                int e = errno;

                                close(fd);
                                return vn_err(err, -e, "cannot create '%s': %s", buf,
                                              strerror(e));
                        }
                        nfd = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                }
                if (nfd < 0) {
                        int e = errno;

                        close(fd);
                        if (e == ENOENT)
                                return -ENOENT; /* callers decide whether that is an error */
                        if (e == ELOOP || e == ENOTDIR)
                                return vn_err(err, -ENOTDIR,
                                              "'%s' is not a directory (a symbolic link?): "
                                              "refusing to follow it",
                                              buf);
                        return vn_err(err, -e, "cannot open '%s': %s", buf, strerror(e));
                }
                close(fd);
                fd = nfd;
                if (check && (fstat(fd, &st) < 0 || !dir_trusted(&st))) {
                        close(fd);
                        return untrusted(err, buf, &st);
                }
                if (end)
                        *end = '/';
        }
        return fd;
}

int vn_path_trust(const char *path, struct vn_error *err)
{
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t n;

        if (geteuid() != 0)
                return 0;
        if (!path || path[0] != '/')
                return vn_err(err, -EINVAL, "'%s': not an absolute path", path ? path : "");
        buf = strdup(path);
        if (!buf)
                return vn_err(err, -ENOMEM, "out of memory");
        n = strlen(buf);
        if (lstat("/", &st) < 0 || !dir_trusted(&st))
                return untrusted(err, "/", &st);
        /* every further prefix: "/a", "/a/b", ... */
        for (size_t i = 2; i <= n; i++) {
                char c = buf[i];

                if ((i < n && c != '/') || buf[i - 1] == '/')
                        continue;
                buf[i] = '\0';
                if (lstat(buf, &st) < 0) {
                        int e = errno;

                        buf[i] = c;
                        if (e == ENOENT)
                                return 0;
                        return vn_err(err, -e, "cannot inspect '%s': %s", path, strerror(e));
                }
                if (S_ISLNK(st.st_mode)) {
                        if (st.st_uid != 0)
                                return vn_err(err, -EPERM,
                                              "'%s' is a symbolic link owned by uid %u: refusing "
                                              "to follow it as root",
                                              buf, (unsigned)st.st_uid);
                } else if (!S_ISDIR(st.st_mode)) {
                        return vn_err(err, -ENOTDIR, "'%s' is not a directory", buf);
                } else if (!dir_trusted(&st)) {
                        return untrusted(err, buf, &st);
                }
                buf[i] = c;
        }
        return 0;
}

/* Remove name in dirfd and, when it is a directory, everything below it — never following a
 * symbolic link: a link is removed, not what it points to. */
static int rm_tree_at(int parent, const char *name, unsigned depth)
{
        DIR *d;
        struct dirent *de;
        int fd, r = 0;

        if (unlinkat(parent, name, 0) == 0)
                return 0;
        if (errno == ENOENT)
                return 0;
        if (errno != EISDIR && errno != EPERM)
                return -errno;
        if (depth > 32)
                return -ELOOP;
        fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                r = -errno;
                close(fd);
                return r;
        }
        while ((de = readdir(d))) {
                int r2;

                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                r2 = rm_tree_at(dirfd(d), de->d_name, depth + 1);
                if (r2 < 0 && r == 0)
                        r = r2;
        }
        closedir(d);
        if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT && r == 0)
                r = -errno;
        return r;
}

int vn_rm_tree_at(int parent, const char *name)
{
        if (!name || !*name || strchr(name, '/') || strcmp(name, ".") == 0 ||
            strcmp(name, "..") == 0)
                return -EINVAL;
        return rm_tree_at(parent, name, 0);
}

int vn_mkdir_p(const char *path, unsigned mode)
{
        char buf[PATH_MAX];
        size_t n = strlen(path);

        if (n == 0 || n >= sizeof(buf))
                return -ENAMETOOLONG;
        memcpy(buf, path, n + 1);
        for (char *p = buf + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(buf, mode) < 0 && errno != EEXIST)
                        return -errno;
                *p = '/';
        }
        if (mkdir(buf, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

uint64_t vn_now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
