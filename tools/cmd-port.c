/*
 * cmd-port.c: guest ports — port-add, port-del, port-list — and `vnet qemu`,
 * which creates ports and execs QEMU with their fds. The library does the
 * work (backend/port.c, qemu.c, qmp.c); this file parses and prints.
 */
#include "config.h"

#include "cli.h"
#include "port.h"
#include "qemu.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define self(name) cli_find(cli_port_cmds, name)

static int parse_queues(const struct cli_cmd *cmd, const char *s, unsigned *out)
{
        char *end;
        unsigned long q;

        if (!s) {
                *out = 1;
                return 0;
        }
        q = strtoul(s, &end, 10);
        if (*end || q < 1 || q > VN_PORT_MAX_QUEUES)
                return cli_usage(cmd, "--queues must be 1..%d", VN_PORT_MAX_QUEUES);
        *out = (unsigned)q;
        return 0;
}

static void print_port_json(const struct vn_port *p)
{
        printf("{\"ifname\":");
        cli_json_str(stdout, p->ifname);
        printf(",\"type\":\"%s\",\"mac\":\"%s\",\"host_mac\":\"%s\",\"link\":",
               vn_port_type_name(p->type), p->mac, p->host_mac);
        cli_json_str(stdout, p->link);
        printf(",\"queues\":%u,\"persist\":%s,\"owner_pid\":%ld,\"owner\":", p->queues,
               p->persist ? "true" : "false", (long)p->owner_pid);
        cli_json_str(stdout, p->owner);
        printf(",\"portgroup\":");
        if (p->portgroup[0])
                cli_json_str(stdout, p->portgroup);
        else
                printf("null");
        printf(",\"isolated\":%s", p->isolated ? "true" : "false");
        if (p->netns[0]) {
                printf(",\"netns\":");
                cli_json_str(stdout, p->netns);
                printf(",\"peer\":");
                cli_json_str(stdout, p->peer);
        }
        printf("}");
}

static int cmd_port_add(struct cli *cli, int argc, char **argv)
{
        const struct cli_cmd *cmd = self("port-add");
        const char *ifname = NULL, *mac = NULL, *queues = NULL, *netns = NULL, *qmp = NULL,
                   *model = NULL, *portgroup = NULL;
        bool persist = false;
        struct vn_error err = {0};
        struct vn_port p;
        struct vn_ctx *ctx;
        char *pos[1];
        int n, r;

        const struct cli_opt opts[] = {
            {"--ifname", true, &ifname, NULL},
            {"--mac", true, &mac, NULL},
            {"--queues", true, &queues, NULL},
            {"--netns", true, &netns, NULL},
            {"--qmp", true, &qmp, NULL},
            {"--model", true, &model, NULL},
            {"--portgroup", true, &portgroup, NULL},
            {"--persist", false, NULL, &persist},
            {0},
        };
        struct vn_port_opts o = {0};

        n = cli_parse_opts(cmd, argc, argv, opts, pos, 1);
        if (n < 0)
                return EXIT_USAGE;
        if (n != 1)
                return cli_usage(cmd, "exactly one network NAME is needed");
        if ((r = parse_queues(cmd, queues, &o.queues)) != 0)
                return r;
        if (qmp && (netns || persist))
                return cli_usage(cmd, "--qmp cannot be combined with --netns or --persist");
        if (netns && (queues || persist))
                return cli_usage(cmd, "--netns cannot be combined with --queues or --persist");
        if (model && !qmp)
                return cli_usage(cmd, "--model only applies with --qmp");
        ctx = cli_ctx(cli, &err);
        if (!ctx)
                return cli_fail(&err, -EINVAL);
        o.ifname = ifname;
        o.mac = mac;
        o.netns = netns;
        o.portgroup = portgroup;
        if (qmp) {
                r = vn_port_hotplug(ctx, pos[0], &o, qmp, model, &p, &err);
        } else {
                /* nothing keeps a tap's fds open after vnet exits: it must persist */
                o.persist = !netns;
                o.vnet_hdr = true;
                o.owner = netns ? "netns" : NULL;
                r = vn_port_add(ctx, pos[0], &o, &p, &err);
        }
        if (r < 0)
                return cli_fail(&err, r);
        if (cli->json) {
                print_port_json(&p);
                printf("\n");
        } else {
                printf("%s\n", p.ifname);
        }
        return EXIT_OK;
}

static int cmd_port_del(struct cli *cli, int argc, char **argv)
{
        const struct cli_cmd *cmd = self("port-del");
        const char *qmp = NULL, *timeout = NULL;
        struct vn_error err = {0};
        struct vn_ctx *ctx;
        unsigned long tmo = 10000;
        char *pos[2];
        int n, r;

        const struct cli_opt opts[] = {
            {"--qmp", true, &qmp, NULL}, {"--timeout", true, &timeout, NULL}, {0}};
        n = cli_parse_opts(cmd, argc, argv, opts, pos, 2);
        if (n < 0)
                return EXIT_USAGE;
        if (n != 2)
                return cli_usage(cmd, "a network NAME and a port IFNAME are needed");
        if (timeout) {
                char *end;

                tmo = strtoul(timeout, &end, 10);
                if (*end || tmo < 1 || tmo > 600000)
                        return cli_usage(cmd, "--timeout is in milliseconds, 1..600000");
        }
        ctx = cli_ctx(cli, &err);
        if (!ctx)
                return cli_fail(&err, -EINVAL);
        if (qmp)
                r = vn_port_unplug(ctx, pos[0], pos[1], qmp, (unsigned)tmo, &err);
        else
                r = vn_port_del(ctx, pos[0], pos[1], &err);
        if (r < 0)
                return cli_fail(&err, r);
        if (!cli->json)
                printf("Port %s removed from %s\n", pos[1], pos[0]);
        return EXIT_OK;
}

static int cmd_port_list(struct cli *cli, int argc, char **argv)
{
        const struct cli_cmd *cmd = self("port-list");
        struct vn_error err = {0};
        struct vn_port *l = NULL;
        struct vn_ctx *ctx;
        size_t n = 0;
        unsigned dropped = 0;
        char *pos[1];
        int np, r;

        np = cli_parse_opts(cmd, argc, argv, NULL, pos, 1);
        if (np < 0)
                return EXIT_USAGE;
        if (np != 1)
                return cli_usage(cmd, "exactly one network NAME is needed");
        ctx = cli_ctx(cli, &err);
        if (!ctx)
                return cli_fail(&err, -EINVAL);
        r = vn_port_list(ctx, pos[0], &l, &n, &dropped, &err);
        if (r < 0)
                return cli_fail(&err, r);
        if (cli->json) {
                printf("[");
                for (size_t i = 0; i < n; i++) {
                        printf("%s", i ? "," : "");
                        print_port_json(&l[i]);
                }
                printf("]\n");
        } else {
                printf(" %-15s   %-7s   %-17s   %-15s   %-6s   %s\n%s\n", "Interface", "Type",
                       "MAC address", "Link", "Queues", "Owner",
                       "------------------------------------------------------------------"
                       "--------------");
                for (size_t i = 0; i < n; i++) {
                        char owner[300];

                        if (l[i].type == VN_PORT_NETNS)
                                snprintf(owner, sizeof(owner), "netns %s (%s)", l[i].netns,
                                         l[i].peer);
                        else if (l[i].owner_pid > 0)
                                snprintf(owner, sizeof(owner), "%s, pid %ld",
                                         l[i].owner[0] ? l[i].owner : "process",
                                         (long)l[i].owner_pid);
                        else if (l[i].persist && l[i].owner[0])
                                snprintf(owner, sizeof(owner), "%s (persistent)", l[i].owner);
                        else
                                snprintf(owner, sizeof(owner), "%s",
                                         l[i].persist ? "persistent" : l[i].owner);
                        printf(" %-15s   %-7s   %-17s   %-15s   %-6u   %s\n", l[i].ifname,
                               vn_port_type_name(l[i].type),
                               l[i].mac[0] ? l[i].mac : "-", /* a helper's: QEMU's is unknown */
                               l[i].link, l[i].queues,
                               owner);
                }
                printf("\n");
        }
        if (dropped && cli->verbose)
                fprintf(stderr, "vnet: %u stale port record(s) dropped\n", dropped);
        free(l);
        return EXIT_OK;
}

static int cmd_qemu(struct cli *cli, int argc, char **argv)
{
        const struct cli_cmd *cmd = self("qemu");
        struct vn_qemu_nic *nics = NULL;
        struct vn_error err = {0};
        struct vn_ctx *ctx;
        size_t n_nics = 0;
        int i, r = EXIT_USAGE;

        nics = calloc((size_t)argc, sizeof(*nics));
        if (!nics)
                return cli_error("out of memory");
        for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
                const char *v = NULL;

                if (strcmp(argv[i], "--nic") == 0 && i + 1 < argc)
                        v = argv[++i];
                else if (strncmp(argv[i], "--nic=", 6) == 0)
                        v = argv[i] + 6;
                if (!v) {
                        cli_usage(cmd, "unexpected '%s' (QEMU's arguments go after --)", argv[i]);
                        goto out;
                }
                if (vn_qemu_nic_parse(v, &nics[n_nics], &err) < 0) {
                        cli_usage(cmd, "%s", err.msg);
                        goto out;
                }
                n_nics++;
        }
        if (i >= argc - 1) {
                cli_usage(cmd, "the QEMU command goes after --");
                goto out;
        }
        ctx = cli_ctx(cli, &err);
        if (!ctx) {
                r = cli_fail(&err, -EINVAL);
                goto out;
        }
        r = vn_qemu_run(ctx, nics, n_nics, argv + i + 1, (size_t)(argc - i - 1), &err);
        r = cli_fail(&err, r); /* only returns on failure */
out:
        for (size_t k = 0; k < n_nics; k++)
                free(nics[k].buf);
        free(nics);
        return r;
}

const struct cli_cmd cli_port_cmds[] = {
    {"port-add", cmd_port_add,
     "NAME [--ifname IF] [--mac MAC] [--persist] [--netns NS] [--queues N] [--portgroup PG] "
     "[--qmp SOCKET [--model M]]",
     "create a guest port on a running network",
     "Creates a guest NIC on the running network NAME and prints its host-side\n"
     "interface name. The port is recorded (see port-list) and removed by\n"
     "port-del or by destroy. A MAC already used by a port of NAME is refused.\n"
     "\n"
     "On a network with a bridge (nat, route, open, isolated, or a host bridge) the\n"
     "port is a tap, named vnetN (first free) unless --ifname is given, carrying the\n"
     "bridge's MTU and the guest MAC with first byte 0xFE. On a macvtap network\n"
     "(forward mode bridge/vepa/private/passthrough with <interface dev>) it is a\n"
     "macvtap, macvtapN, on the least used device of the pool.\n"
     "\n"
     "A bridge port takes the settings of its <portgroup> (--portgroup, default: the\n"
     "one with default='yes', else the network's own): with <port isolated='yes'> it\n"
     "is an isolated bridge port (no traffic to other isolated ports, only to the\n"
     "host and to non-isolated ports).\n"
     "\n"
     "Options:\n"
     "  --ifname IF     the port's interface name (with --netns: the name inside\n"
     "                  the namespace, default eth0)\n"
     "  --mac MAC       the guest's MAC address (default: random 52:54:00:xx:xx:xx)\n"
     "  --persist       the tap outlives vnet (implied without --qmp: hand it to\n"
     "                  QEMU as -netdev tap,ifname=IF,script=no,downscript=no or\n"
     "                  to libvirt as <interface type='ethernet'>)\n"
     "  --netns NS      a namespace guest: a veth pair from the bridge to NS (a\n"
     "                  name under /run/netns, or a path such as /proc/PID/ns/net)\n"
     "  --qmp SOCKET    hotplug into the running QEMU behind this QMP socket: getfd\n"
     "                  per queue, netdev_add, device_add; undone on any failure\n"
     "  --queues N      multiqueue: N queues (with --qmp: one fd passed per queue)\n"
     "  --portgroup PG  the network's <portgroup name='PG'> (an unknown name is refused)\n"
     "  --model M       device model for --qmp (default virtio-net-pci)\n"
     "With --json: the port as a JSON object.\n"},
    {"port-del", cmd_port_del, "NAME IFNAME [--qmp SOCKET [--timeout MS]]", "remove a guest port",
     "Removes port IFNAME of network NAME: deletes its link (a macvtap device in\n"
     "passthrough mode gets its MAC back) and its record. With --qmp, first unplugs\n"
     "it from QEMU: device_del, waits up to --timeout ms (default 10000) for the\n"
     "guest to release it (DEVICE_DELETED), then netdev_del.\n"},
    {"port-list", cmd_port_list, "NAME", "list the guest ports of a network",
     "Lists the ports of the running network NAME: interface, type (tap, macvtap,\n"
     "netns), guest MAC, bridge or lower device, queues, and owner. Reconciles\n"
     "first: a port whose link is gone (a QEMU that exited took its tap with it, a\n"
     "namespace was deleted) is dropped, and a port whose owner process died is\n"
     "removed. With --json: an array of objects.\n"},
    {"qemu", cmd_qemu,
     "[--nic NET[,mac=MAC][,queues=N][,model=M][,ifname=IF][,portgroup=PG]]... -- QEMU ARGS...",
     "run QEMU with guest NICs on vnet networks",
     "Creates one port per --nic on network NET, then executes QEMU ARGS (the first\n"
     "is the QEMU binary) with, for each port,\n"
     "  -netdev tap,id=vnetK,fd=N            (fds=A:B:... with queues > 1)\n"
     "  -device MODEL,netdev=vnetK,mac=MAC   (mq=on,vectors=2N+2 with queues > 1)\n"
     "appended, and vhost=off unless /dev/vhost-net is usable. Only the ports' fds\n"
     "are inherited; the process keeps its pid, so the ports' owner is QEMU and a\n"
     "QEMU that exits takes its taps with it (port-list then drops them). MODEL is\n"
     "virtio-net-pci unless given. Exit status: QEMU's, or 1/2 when vnet failed.\n"},
    {0},
};
