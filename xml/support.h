/*
 * support.h: what vnet does with each element and attribute of libvirt's network XML — the
 * one table behind `start` refusing what it does not realize, `validate`'s warnings, the
 * table in vnet-xml(5) and the unit test that walks libvirt's network.rng.
 */
#ifndef VNET_SUPPORT_H
#define VNET_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "net.h"

struct vn_support {
        const char *path;    /* "/network/bridge@zone", as network.rng nests it */
        bool realized;       /* false: refused whenever the document uses it */
        const char *how;     /* realized: how; NULL for a refused row */
        const char *refused; /* what the error names, e.g. "<domain register='yes'>";
                              * NULL when nothing of this row is ever refused */
        const char *why;     /* why that is refused (in the error and the man page) */
        /* Does net use the refused form? Sets *line when known. NULL when refused is NULL. */
        bool (*used)(const struct vn_net *net, int *line);
};

extern const struct vn_support vn_support_table[];
extern const size_t vn_support_count;

/* The row of path, or NULL. */
const struct vn_support *vn_support_find(const char *path);

/* Fail (-EOPNOTSUPP) on the first element or attribute of net that vnet does not realize:
 * "SOURCE:LINE: network 'NAME': <element>: not supported by vnet (why)". Pure. */
int vn_net_check_support(const struct vn_net *net, struct vn_error *err);

/* Every such element of net, one message each (as above), for `validate`'s warnings.
 * Returns how many were found (at most max are stored; the caller frees each). */
size_t vn_net_unsupported(const struct vn_net *net, char **msgs, size_t max);

/* The man page's table (vnet-xml(5), between its "support table" markers), in roff. */
char *vn_support_format_man(void);

#endif
