/*
 * ident.c: names of nft objects derived from a bridge name — a leaf every
 * planner (nft, forward, overlay) uses, so that none of them calls another
 * just for a name.
 */
#include "config.h"

#include "plan.h"

#include <stdio.h>

void vn_nft_ident(const char *bridge, const char *suffix, char *out, size_t len)
{
        struct vn_buf b = {0};
        char *s;

        vn_buf_add(&b, "vn_");
        for (const unsigned char *c = (const unsigned char *)bridge; *c; c++) {
                if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                    (*c >= '0' && *c <= '9'))
                        vn_buf_addn(&b, (const char *)c, 1);
                else
                        vn_buf_addf(&b, "_%02x", *c);
        }
        vn_buf_addf(&b, "_%s", suffix);
        s = vn_buf_steal(&b);
        snprintf(out, len, "%s", s ? s : "vn_oom");
        free(s);
}
