/*
 * hookdata.h: libvirt's network hook arguments and <hookData>, parsed (hookdata.c).
 */
#ifndef VNET_HOOKDATA_H
#define VNET_HOOKDATA_H

#include <stdbool.h>

#include "net.h"

enum vn_hook_op {
        VN_HOOK_OTHER = 0, /* anything vnet does not need: exit 0 */
        VN_HOOK_START,     /* start begin: validate only, before libvirt builds anything */
        VN_HOOK_STARTED,   /* started begin: apply */
        VN_HOOK_UPDATED,   /* updated begin: re-apply */
        VN_HOOK_PORT_CREATED,
        VN_HOOK_PORT_DELETED,
        VN_HOOK_STOPPED, /* stopped end: remove */
};

struct vn_hook_args {
        const char *network;
        enum vn_hook_op op;
};
/* argv as libvirt passes it (argv[0] is the hook itself): NETWORK OPERATION SUBOP EXTRA. */
int vn_hook_parse_args(int argc, char *const *argv, struct vn_hook_args *out, struct vn_error *err);

struct vn_hook_port {
        char uuid[40];
        bool has_mac;
        uint8_t mac[6];
        char owner[128]; /* the domain's name, "" when absent */
};

struct vn_hook_data {
        struct vn_net *net; /* NULL when the network carries no vnet extension */
        bool has_port;
        struct vn_hook_port port;
};
/* Parse hookData. The <network> is only modelled when it uses vnet's namespace; a network
 * without it costs no more than finding that out. */
int vn_hook_parse_stdin(const char *buf, size_t len, const char *network, struct vn_hook_data *out,
                        struct vn_error *err);
void vn_hook_data_clear(struct vn_hook_data *d);

#endif
