/*
 * acl.h: the bridge helper's access list, in qemu-bridge-helper's format:
 *   allow BRIDGE | allow all | deny BRIDGE | deny all | include FILE | # comment
 * A deny that matches wins over any allow; nothing matching means deny.
 */
#ifndef VNET_ACL_H
#define VNET_ACL_H

#include <stdbool.h>

#include "util.h"

enum {
        /* the caller is privileged: every file must be a regular root-owned file that only
         * root can write, and included files must not be symlinks */
        VN_ACL_STRICT = 1 << 0,
};

/* Is `bridge` allowed by the ACL in `path` (and what it includes)? An unreadable or malformed
 * file is an error (the caller denies), and so are a relative path (also in `include`) and a
 * file containing a NUL byte. */
int vn_acl_check(const char *path, const char *bridge, unsigned flags, bool *allowed,
                 struct vn_error *err);

/* The helper's command line: [--use-vnet] --br=BRIDGE --fd=N (also "--br BRIDGE", "--fd N"),
 * or --acl-path, --check, --help. A value given twice, an --fd that is not digits alone (empty,
 * signed, with spaces) or above 65535 is refused. The bridge name is checked by the caller. */
struct vn_helper_args {
        const char *br;
        int fd; /* -1: not given */
        bool vnet_hdr, acl_path, check, help;
};
int vn_helper_args_parse(int argc, char **argv, struct vn_helper_args *a, struct vn_error *err);

#endif
