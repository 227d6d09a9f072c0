/*
 * journal.c: append-only record of created objects (see journal.h).
 *
 * No fsync: the journal protects against the vnet process dying (crash,
 * SIGKILL), whose writes the page cache keeps; after a host reboot the
 * kernel objects it describes are gone too.
 */
#include "config.h"

#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int entry_push(struct vn_journal *j, char *line)
{
        struct vn_journal_entry *ne, *e;
        char *save = NULL, *tok;

        ne = realloc(j->e, (j->n + 1) * sizeof(*ne));
        if (!ne)
                return -ENOMEM;
        j->e = ne;
        e = &j->e[j->n];
        memset(e, 0, sizeof(*e));
        for (tok = strtok_r(line, "\t", &save); tok; tok = strtok_r(NULL, "\t", &save)) {
                char *copy = strdup(tok);
                char **na;

                if (!copy)
                        goto oom;
                if (!e->kind) {
                        e->kind = copy;
                        continue;
                }
                na = realloc(e->args, (e->n_args + 1) * sizeof(*na));
                if (!na) {
                        free(copy);
                        goto oom;
                }
                e->args = na;
                e->args[e->n_args++] = copy;
        }
        if (!e->kind)
                return 0; /* blank line */
        j->n++;
        return 0;
oom:
        free(e->kind);
        vn_strv_free(e->args, e->n_args);
        return -ENOMEM;
}

/* Lines are written whole (one write each, O_APPEND), so a line with a NUL or another
 * control byte, or a last line without its newline (a write cut short, a full disk), is
 * damage: it is counted in j->n_bad and left out, never half-understood. */
static int journal_parse(struct vn_journal *j, char *data, size_t len, struct vn_error *err)
{
        size_t pos = 0;
        int r;

        while (pos < len) {
                char *line = data + pos, *nl = memchr(line, '\n', len - pos);
                size_t ll = nl ? (size_t)(nl - line) : len - pos;
                bool ok = nl != NULL;

                for (size_t i = 0; i < ll && ok; i++)
                        if ((unsigned char)line[i] < 0x20 && line[i] != '\t')
                                ok = false;
                pos += ll + 1;
                if (!ok) {
                        j->n_bad++;
                        vn_err(err, -EBADMSG, "journal '%s': %s", j->path,
                               nl ? "a line with a NUL or control byte" : "the last line is cut");
                        continue;
                }
                line[ll] = '\0';
                r = entry_push(j, line);
                if (r < 0)
                        return r;
        }
        return 0;
}

int vn_journal_load(const char *path, struct vn_journal **out, struct vn_error *err)
{
        _cleanup_free_ char *data = NULL;
        struct vn_journal *j;
        size_t len = 0;
        int r;

        r = vn_read_file(path, VN_JOURNAL_MAX, &data, &len);
        if (r < 0)
                return r == -ENOENT ? r : vn_err(err, r, "journal '%s': %s", path, strerror(-r));
        j = calloc(1, sizeof(*j));
        if (!j)
                return -ENOMEM;
        j->fd = -1;
        j->path = strdup(path);
        if (!j->path) {
                free(j);
                return -ENOMEM;
        }
        r = journal_parse(j, data, len, err);
        if (r < 0) {
                vn_journal_free(j);
                return r;
        }
        *out = j;
        return 0;
}

int vn_journal_open(const char *path, struct vn_journal **out, struct vn_error *err)
{
        struct vn_journal *j = NULL;
        struct vn_error ignore = {0};
        int r;

        r = vn_journal_load(path, &j, &ignore);
        if (r == -ENOENT) {
                j = calloc(1, sizeof(*j));
                if (!j || !(j->path = strdup(path))) {
                        free(j);
                        return -ENOMEM;
                }
        } else if (r < 0) {
                return vn_err(err, r, "%s", ignore.msg);
        }
        j->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (j->fd < 0) {
                r = -errno;
                vn_journal_free(j);
                return vn_err(err, r, "cannot open journal '%s': %s", path, strerror(-r));
        }
        *out = j;
        return 0;
}

int vn_journal_add(struct vn_journal *j, const char *kind, ...)
{
        _cleanup_buf_ struct vn_buf b = {0};
        _cleanup_free_ char *copy = NULL;
        const char *a;
        va_list ap;
        int r;

        vn_buf_add(&b, kind);
        va_start(ap, kind);
        while ((a = va_arg(ap, const char *))) {
                if (strpbrk(a, "\t\n")) {
                        va_end(ap);
                        return -EINVAL;
                }
                vn_buf_addf(&b, "\t%s", *a ? a : "-");
        }
        va_end(ap);
        vn_buf_add(&b, "\n");
        if (b.oom)
                return -ENOMEM;
        if (j->fd >= 0 && write(j->fd, b.s, b.len) != (ssize_t)b.len)
                return -errno ? -errno : -EIO;
        copy = strndup(b.s, b.len - 1);
        if (!copy)
                return -ENOMEM;
        r = entry_push(j, copy);
        return r;
}

int vn_journal_drop_last(struct vn_journal *j)
{
        _cleanup_buf_ struct vn_buf b = {0};
        struct vn_journal_entry *e;

        if (j->n == 0)
                return 0;
        e = &j->e[--j->n];
        free(e->kind);
        vn_strv_free(e->args, e->n_args);
        if (j->fd < 0)
                return 0;
        /* rewrite the file without the last line */
        for (size_t i = 0; i < j->n; i++) {
                vn_buf_add(&b, j->e[i].kind);
                for (size_t k = 0; k < j->e[i].n_args; k++)
                        vn_buf_addf(&b, "\t%s", j->e[i].args[k]);
                vn_buf_add(&b, "\n");
        }
        if (b.oom)
                return -ENOMEM;
        if (ftruncate(j->fd, 0) < 0)
                return -errno;
        if (b.len && write(j->fd, b.s, b.len) != (ssize_t)b.len)
                return -EIO;
        return 0;
}

const struct vn_journal_entry *vn_journal_find(const struct vn_journal *j, const char *kind)
{
        for (size_t i = 0; i < j->n; i++)
                if (strcmp(j->e[i].kind, kind) == 0)
                        return &j->e[i];
        return NULL;
}

void vn_journal_free(struct vn_journal *j)
{
        if (!j)
                return;
        if (j->fd >= 0)
                close(j->fd);
        for (size_t i = 0; i < j->n; i++) {
                free(j->e[i].kind);
                vn_strv_free(j->e[i].args, j->e[i].n_args);
        }
        free(j->e);
        free(j->path);
        free(j);
}
