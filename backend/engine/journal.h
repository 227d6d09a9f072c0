/*
 * journal.h: the record of what a network's start created, in
 * ROOT/run/vnet/NAME/journal, one object per line, written *before* the
 * object is created. Undo walks it backwards and tolerates objects that are
 * already gone, so rollback, destroy and destroy-after-crash are one code
 * path, and all are idempotent.
 *
 * Line format: KIND<TAB>ARG1<TAB>ARG2...  (no tabs/newlines inside args)
 */
#ifndef VNET_JOURNAL_H
#define VNET_JOURNAL_H

#include <stddef.h>

#include "util.h"

struct vn_journal_entry {
        char *kind;
        char **args;
        size_t n_args;
};

struct vn_journal {
        int fd; /* O_APPEND, O_CLOEXEC; -1 when read-only */
        char *path;
        struct vn_journal_entry *e;
        size_t n;
        size_t n_bad; /* damaged lines left out by vn_journal_load (see there) */
};

/* The largest journal read (a network's start writes a few KiB). */
#define VN_JOURNAL_MAX (16u << 20)

/* Open (create) for appending. */
int vn_journal_open(const char *path, struct vn_journal **out, struct vn_error *err);
/* Read all entries (fd = -1). -ENOENT when there is no journal, -EFBIG above VN_JOURNAL_MAX.
 * Damaged lines (a NUL or control byte, a last line without its newline) are counted in
 * n_bad, reported in err and left out (what can be identified is still returned). */
int vn_journal_load(const char *path, struct vn_journal **out, struct vn_error *err);
/* Append one entry: kind followed by NULL-terminated args. */
int vn_journal_add(struct vn_journal *j, const char *kind, ...) __attribute__((sentinel));
/* Drop the last entry (the object it announced was not created). */
int vn_journal_drop_last(struct vn_journal *j);
void vn_journal_free(struct vn_journal *j);
const struct vn_journal_entry *vn_journal_find(const struct vn_journal *j, const char *kind);

#endif
