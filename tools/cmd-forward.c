/*
 * cmd-forward.c: port forwards — forward-add, forward-del, forward-list,
 * forward-sync. Argument handling and printing only; the library
 * (backend/forward.c) checks, edits the definitions and changes the rules.
 */
#include "config.h"

#include "cli.h"

#include "forward.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define self(name) cli_find(cli_fwd_cmds, name)

/* NAME plus the options that say which forward. */
static int forward_args(const struct cli_cmd *cmd, int argc, char **argv, struct vn_forward_spec *s,
                        bool with_target, char **name)
{
        char *pos[1];
        int n;

        const struct cli_opt full[] = {
            {"--proto", true, &s->proto, NULL},
            {"--port", true, &s->port, NULL},
            {"--to", true, &s->to, NULL},
            {"--mac", true, &s->mac, NULL},
            {"--toport", true, &s->toport, NULL},
            {"--address", true, &s->address, NULL},
            {0},
        };
        const struct cli_opt key[] = {
            {"--proto", true, &s->proto, NULL},
            {"--port", true, &s->port, NULL},
            {"--address", true, &s->address, NULL},
            {0},
        };
        n = cli_parse_opts(cmd, argc, argv, with_target ? full : key, pos, 1);
        if (n < 0)
                return EXIT_USAGE;
        if (n != 1)
                return cli_usage(cmd, "exactly one NAME is needed");
        if (!s->port)
                return cli_usage(cmd, "--port is required");
        if (with_target && !s->to == !s->mac)
                return cli_usage(cmd, "exactly one of --to or --mac is required");
        *name = pos[0];
        return EXIT_OK;
}

static int cmd_forward_add(struct cli *cli, int argc, char **argv)
{
        const struct cli_cmd *cmd = self("forward-add");
        struct vn_forward_spec s = {0};
        struct vn_port_forward f;
        struct vn_error err = {0};
        struct vn_ctx *ctx;
        char *name;
        int r;

        if ((r = forward_args(cmd, argc, argv, &s, true, &name)) != EXIT_OK)
                return r;
        if ((r = vn_forward_spec_parse(&s, &f, &err)) < 0)
                return cli_fail(&err, r);
        if (!(ctx = cli_ctx(cli, &err)))
                return cli_fail(&err, -EINVAL);
        if ((r = vn_forward_add(ctx, name, &f, &err)) < 0)
                return cli_fail(&err, r);
        if (cli->json)
                printf("{\"name\":\"%s\",\"added\":true}\n", name);
        else
                printf("Forward %s %s added to network %s\n", vn_proto_name(f.proto), s.port, name);
        return EXIT_OK;
}

static int cmd_forward_del(struct cli *cli, int argc, char **argv)
{
        const struct cli_cmd *cmd = self("forward-del");
        struct vn_forward_spec s = {0};
        struct vn_port_forward f;
        struct vn_error err = {0};
        struct vn_ctx *ctx;
        char *name;
        int r;

        if ((r = forward_args(cmd, argc, argv, &s, false, &name)) != EXIT_OK)
                return r;
        s.to = "0.0.0.0"; /* the key names no target: any placeholder parses */
        if (s.address && strchr(s.address, ':'))
                s.to = "::";
        if ((r = vn_forward_spec_parse(&s, &f, &err)) < 0)
                return cli_fail(&err, r);
        if (!(ctx = cli_ctx(cli, &err)))
                return cli_fail(&err, -EINVAL);
        if ((r = vn_forward_del(ctx, name, &f, &err)) < 0)
                return cli_fail(&err, r);
        if (cli->json)
                printf("{\"name\":\"%s\",\"deleted\":true}\n", name);
        else
                printf("Forward %s %s deleted from network %s\n", vn_proto_name(f.proto), s.port,
                       name);
        return EXIT_OK;
}

static int cmd_forward_list(struct cli *cli, int argc, char **argv)
{
        const struct cli_cmd *cmd = self("forward-list");
        struct vn_forward_status *l = NULL;
        struct vn_error err = {0};
        struct vn_ctx *ctx;
        char *pos[1];
        size_t n = 0;
        int r;

        r = cli_parse_opts(cmd, argc, argv, NULL, pos, 1);
        if (r < 0)
                return EXIT_USAGE;
        if (r != 1)
                return cli_usage(cmd, "exactly one NAME is needed");
        if (!(ctx = cli_ctx(cli, &err)))
                return cli_fail(&err, -EINVAL);
        if ((r = vn_forward_list(ctx, pos[0], &l, &n, &err)) < 0)
                return cli_fail(&err, r);
        if (cli->json)
                printf("[");
        else
                printf(" %-5s  %-11s  %-20s  %-26s  %-11s  %s\n%s\n", "Proto", "Port", "Address",
                       "To", "Toport", "State",
                       "-------------------------------------------------------------------"
                       "-----------------------------");
        for (size_t i = 0; i < n; i++) {
                const struct vn_port_forward *f = &l[i].f;
                char port[16], toport[16], addr[VN_ADDR_STRLEN] = "*", to[64], tgt[VN_ADDR_STRLEN];
                char m[VN_MAC_STRLEN];
                const char *state = l[i].applied                   ? "applied"
                                    : vn_addr_is_set(&l[i].target) ? "not applied"
                                    : f->has_mac                   ? "pending (no address)"
                                                                   : "not applied";

                vn_port_range_format(f->port_start, f->port_end, port, sizeof(port));
                vn_port_range_format(f->toport_start, f->toport_end, toport, sizeof(toport));
                if (vn_addr_is_set(&f->address))
                        vn_addr_format(&f->address, addr);
                if (f->has_mac && vn_addr_is_set(&l[i].target))
                        snprintf(to, sizeof(to), "%s (%s)", vn_addr_format(&l[i].target, tgt),
                                 vn_mac_format(f->mac, m));
                else if (f->has_mac)
                        snprintf(to, sizeof(to), "mac %s", vn_mac_format(f->mac, m));
                else
                        vn_addr_format(&f->to, to);
                if (cli->json) {
                        printf("%s{\"proto\":\"%s\",\"port\":\"%s\",\"toport\":\"%s\",\"address\":",
                               i ? "," : "", vn_proto_name(f->proto), port, toport);
                        cli_json_str(stdout, vn_addr_is_set(&f->address) ? addr : "");
                        printf(",\"to\":");
                        cli_json_str(stdout, vn_addr_is_set(&l[i].target)
                                                 ? vn_addr_format(&l[i].target, tgt)
                                                 : "");
                        printf(",\"mac\":");
                        cli_json_str(stdout, f->has_mac ? vn_mac_format(f->mac, m) : "");
                        printf(",\"source\":");
                        cli_json_str(stdout, l[i].source);
                        printf(",\"applied\":%s}", l[i].applied ? "true" : "false");
                } else {
                        printf(" %-5s  %-11s  %-20s  %-26s  %-11s  %s\n", vn_proto_name(f->proto),
                               port, addr, to, toport, state);
                }
        }
        printf(cli->json ? "]\n" : "\n");
        free(l);
        return EXIT_OK;
}

static int cmd_forward_sync(struct cli *cli, int argc, char **argv)
{
        const struct cli_cmd *cmd = self("forward-sync");
        _cleanup_free_ char *notes = NULL;
        struct vn_error err = {0};
        struct vn_ctx *ctx;
        char *pos[1];
        int r;

        r = cli_parse_opts(cmd, argc, argv, NULL, pos, 1);
        if (r < 0)
                return EXIT_USAGE;
        if (r != 1)
                return cli_usage(cmd, "exactly one NAME is needed");
        if (!(ctx = cli_ctx(cli, &err)))
                return cli_fail(&err, -EINVAL);
        if ((r = vn_forward_sync(ctx, pos[0], &notes, &err)) < 0)
                return cli_fail(&err, r);
        if (notes && *notes)
                fprintf(stderr, "vnet: note: %s", notes);
        if (cli->json)
                printf("{\"name\":\"%s\",\"synced\":true}\n", pos[0]);
        else
                printf("Forwards of network %s in place\n", pos[0]);
        return EXIT_OK;
}

#define FWD_OPTS                                                                                   \
        "  --proto P       tcp (default), udp or sctp\n"                                           \
        "  --port N[-M]    the host port or range\n"                                               \
        "  --address A     only on this host address (default: every host address\n"               \
        "                  outside the network)\n"

const struct cli_cmd cli_fwd_cmds[] = {
    {"forward-add", cmd_forward_add,
     "NAME --port N[-M] (--to IP | --mac MAC) [--proto P] [--toport N[-M]] [--address A]",
     "add a port forward to a network",
     "Forwards a port (or range) of the host's addresses to a guest of the NAT or\n"
     "routed network NAME, as <vnet:forward> does in the network's XML: DNAT from\n"
     "outside, from other guests through the host's address (hairpin) and from\n"
     "processes on the host. The forward is checked (target inside a subnet, no\n"
     "other forward claims the port), written to the persistent definition and, on\n"
     "a running network, to its live definition and into its rules in one nftables\n"
     "transaction that touches no other forward, so established flows keep going.\n"
     "A guest named by --mac is reached at its static <host> address, else at its\n"
     "DHCP lease; until it has one the forward waits (see forward-sync).\n"
     "\n"
     "Options:\n" FWD_OPTS "  --to IP         the guest's address\n"
     "  --mac MAC       the guest's MAC\n"
     "  --toport N[-M]  the guest's port (default: --port; a range maps onto a range\n"
     "                  of the same length)\n"},
    {"forward-del", cmd_forward_del, "NAME --port N[-M] [--proto P] [--address A]",
     "remove a port forward from a network",
     "Removes the forward of NAME that claims this protocol, port and host address\n"
     "from its definitions and, when it runs, from its rules (one transaction; the\n"
     "other forwards are not touched).\n"
     "\n"
     "Options:\n" FWD_OPTS},
    {"forward-list", cmd_forward_list, "NAME", "list the port forwards of a network",
     "Lists NAME's forwards with the guest address each resolves to and whether its\n"
     "rules are in place. With --json, a JSON array.\n"},
    {"forward-sync", cmd_forward_sync, "NAME", "re-resolve and re-apply a network's forwards",
     "Resolves the forwards that name a guest by MAC again (static <host>, current\n"
     "DHCP lease) and brings the running network's rules in line: new or changed\n"
     "forwards are applied, stale ones removed, in one transaction.\n"},
    {0},
};

