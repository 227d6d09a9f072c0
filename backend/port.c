/*
 * port.c: guest ports (being written: ports are not recorded yet, so there
 * is nothing to clean up).
 */
#include "config.h"

#include "port.h"

int vn_ports_cleanup(struct vn_ctx *ctx, struct vn_nl *nl, const char *name, struct vn_error *err)
{
        (void)ctx;
        (void)nl;
        (void)name;
        (void)err;
        return 0;
}
