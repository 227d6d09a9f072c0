/*
 * util.h: the few things every layer of vnet shares — the error model,
 * a growable string buffer, and cleanup helpers.
 *
 * Error model (see STYLE.md): library functions return 0 or a negative
 * errno and never print; when they can say more they fill a struct vn_error.
 * Only front ends print, as "vnet: error: <msg>".
 */
#ifndef VNET_UTIL_H
#define VNET_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define VN_ERR_MSG_MAX 1024

struct vn_error {
        int code;                  /* negative errno, 0 when unset */
        char msg[VN_ERR_MSG_MAX];  /* human text, names the object */
};

/* Sets err (if non-NULL and not already set — the first error wins) and
 * returns code, so callers can write: return vn_err(err, -EINVAL, "..."). */
int vn_err(struct vn_error *err, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Same, but overwrites an error that is already set. */
int vn_err_replace(struct vn_error *err, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Prefix an existing message: "context: old message". */
void vn_err_prefix(struct vn_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline bool vn_err_isset(const struct vn_error *err)
{
        return err && err->code != 0;
}

/* Growable NUL-terminated string buffer. An allocation failure latches
 * `oom`; vn_buf_steal() then returns NULL. */
struct vn_buf {
        char *s;
        size_t len;
        size_t cap;
        bool oom;
};

void vn_buf_add(struct vn_buf *b, const char *s);
void vn_buf_addn(struct vn_buf *b, const char *s, size_t n);
void vn_buf_addf(struct vn_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vn_buf_vaddf(struct vn_buf *b, const char *fmt, va_list ap);
void vn_buf_indent(struct vn_buf *b, int n); /* n spaces */
char *vn_buf_steal(struct vn_buf *b); /* caller frees; buffer is reset */
void vn_buf_free(struct vn_buf *b);
static inline const char *vn_buf_str(const struct vn_buf *b)
{
        return b->s ? b->s : "";
}

/* Cleanup helpers (GCC/clang attribute). Destructors accept NULL. */
static inline void vn_freep(void *p)
{
        free(*(void **)p);
}
static inline void vn_closep(int *fd)
{
        if (*fd >= 0)
                close(*fd);
}
#define _cleanup_(f)     __attribute__((cleanup(f)))
#define _cleanup_free_   _cleanup_(vn_freep)
#define _cleanup_close_  _cleanup_(vn_closep)
#define _cleanup_buf_    _cleanup_(vn_buf_free)

/* Returns *p and sets *p to NULL: hand ownership out of a cleanup var. */
#define VN_TAKE(p)                                                                                 \
        ({                                                                                         \
                __typeof__(p) _t = (p);                                                            \
                (p) = NULL;                                                                        \
                _t;                                                                                \
        })

#define VN_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Free the n strings of v, then v. */
void vn_strv_free(char **v, size_t n);
char *vn_strdup(const char *s);            /* NULL-safe strdup */
char *vn_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool vn_streq(const char *a, const char *b); /* NULL-safe */
/* A value vnet writes into another program's configuration or command line as one word (a
 * path in dnsmasq.conf, the state root): non-empty, no control characters, no whitespace, and
 * none of ',' '#' '"' (dnsmasq's list separator, comment and quote). */
bool vn_conf_value_ok(const char *s);
#define VN_CONF_VALUE_RULE                                                                         \
        "empty, or contains whitespace, a control character, ',', '#' or '\"' (not allowed)"
/* Append s as a JSON string, quotes included (control characters as \u00XX). */
void vn_buf_add_json_str(struct vn_buf *b, const char *s);
/* Append s with control characters, '\\' and '%' written as %XX, so that it stays one line
 * of a key=value record; vn_unescape_line reverses it in place. */
void vn_buf_add_escaped_line(struct vn_buf *b, const char *s);
void vn_unescape_line(char *s);

/* Read a whole file, refusing files larger than max bytes (-EFBIG). */
int vn_read_file(const char *path, size_t max, char **out, size_t *out_len);
/* Write data to path atomically: a new tmp file in the same dir (mkostemp: O_EXCL, its mode
 * set on the fd), fsync, rename over path (a symlink at path is replaced, never followed). */
int vn_write_file_atomic(const char *path, const char *data, size_t len, unsigned mode);
/* Open the directory path (absolute) by walking from "/" with openat(O_NOFOLLOW) at every
 * component, so no symbolic link on the way is followed; with create, missing components are
 * made with mode. When the caller is root, every component must be owned by root and not
 * writable by group or others (a root-owned sticky directory such as /tmp is fine): -EPERM
 * with a message naming the directory otherwise. Returns an O_CLOEXEC dir fd, -ENOENT (no
 * message) when a component is missing and !create, or another negative errno with err set. */
int vn_dir_open(const char *path, bool create, unsigned mode, struct vn_error *err);
/* When the caller is root: every existing prefix of path is a directory trusted as above, or
 * a symbolic link owned by root. Missing components are fine. 0 or -EPERM/-ENOTDIR + err. */
int vn_path_trust(const char *path, struct vn_error *err);
/* Remove name (in dirfd) and everything below it without following any symbolic link. */
int vn_rm_tree_at(int parent, const char *name);
/* mkdir -p with mode for the created components. */
int vn_mkdir_p(const char *path, unsigned mode);

/* Monotonic clock in nanoseconds. */
uint64_t vn_now_ns(void);

#endif
