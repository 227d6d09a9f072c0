/*
 * cmd-lab.c: `vnet lab FILE` — try a network in a throwaway sandbox and
 * print a report that reads at a glance. The sandbox and the checks are the
 * library's (tools/lab/lab.c); this file parses and prints.
 */
#include "config.h"

#include "cli.h"
#include "lab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void lab_progress(void *userdata, const char *msg)
{
        (void)userdata;
        fprintf(stderr, "vnet lab: %s\n", msg);
}

static const char *cell(enum vn_lab_cell c, char *buf, size_t len, double ms)
{
        if (c == VN_LAB_OK && ms > 0)
                snprintf(buf, len, "ok %.1fms", ms);
        else
                snprintf(buf, len, "%s", vn_lab_cell_name(c));
        return buf;
}

static void print_json(const struct vn_lab_report *r)
{
        printf("{\"network\":");
        cli_json_str(stdout, r->network);
        printf(",\"mode\":\"%s\",\"subnet\":\"%s\",\"bridge\":", r->mode, r->subnet);
        cli_json_str(stdout, r->bridge);
        printf(",\"up_ms\":%.2f,\"guests\":[", r->up_ms);
        for (size_t i = 0; i < r->n_guests; i++) {
                const struct vn_lab_guest *g = &r->guests[i];

                printf("%s{\"name\":\"%s\",\"kind\":\"%s\",\"address\":\"%s\",\"leased\":%s,"
                       "\"gateway\":\"%s\","
                       "\"gateway_ms\":%.3f,\"uplink\":\"%s\",\"seen_as\":\"%s\",\"seen_kind\":"
                       "\"%s\",\"dns\":\"%s\",\"other_guests\":\"%s\",\"as_expected\":%s",
                       i ? "," : "", g->name, g->qemu ? "qemu" : "netns", g->addr,
                       g->leased ? "true" : "false",
                       vn_lab_cell_name(g->gw), g->gw_ms, vn_lab_cell_name(g->uplink), g->seen_as,
                       g->seen_kind ? g->seen_kind : "", vn_lab_cell_name(g->dns),
                       vn_lab_cell_name(g->others), g->expected_ok ? "true" : "false");
                if (g->qemu)
                        printf(",\"lease_s\":%.2f", g->lease_s);
                if (g->note[0]) {
                        printf(",\"note\":");
                        cli_json_str(stdout, g->note);
                }
                putchar('}');
        }
        printf("],\"teardown_ms\":%.2f,\"left\":{\"links\":%u,\"rule_tables\":%u,"
               "\"processes\":%u},\"ok\":%s}\n",
               r->teardown_ms, r->left_links, r->left_rules, r->left_procs, r->ok ? "true" : "false");
}

static void print_table(const struct vn_lab_report *r, bool keep, const char *vnet)
{
        char b1[32], b2[64], name[32];

        printf("network %s (%s%s%s%s%s)   up in %.0f ms\n", r->network, r->mode,
               r->subnet[0] ? ", " : "", r->subnet, r->bridge[0] ? ", bridge " : "", r->bridge,
               r->up_ms);
        printf("%-9s %-17s %-10s %-26s %-6s %-12s %s\n", "guest", "address", "gateway",
               "uplink (seen as)", "dns", "other guests", "");
        for (size_t i = 0; i < r->n_guests; i++) {
                const struct vn_lab_guest *g = &r->guests[i];

                if (g->uplink == VN_LAB_OK)
                        snprintf(b2, sizeof(b2), "ok (%s %s)", g->seen_as,
                                 g->seen_kind ? g->seen_kind : "");
                else
                        snprintf(b2, sizeof(b2), "%s", vn_lab_cell_name(g->uplink));
                snprintf(name, sizeof(name), "%s%s", g->name, g->qemu ? " qemu" : "");
                printf("%-9s %-17s %-10s %-26s %-6s %-12s %s\n", name,
                       g->addr[0] ? g->addr : "(none)", cell(g->gw, b1, sizeof(b1), g->gw_ms), b2,
                       vn_lab_cell_name(g->dns), vn_lab_cell_name(g->others),
                       g->expected_ok ? "" : (g->note[0] ? g->note : "<- not as the mode promises"));
        }
        if (keep) {
                printf("sandbox kept: enter it with\n"
                       "  ip netns exec %s-host %s --root %s list\n"
                       "  ip netns exec %s-g%d sh\n"
                       "remove it with: for n in $(ip netns list | grep -o '^%s-[^ ]*'); do ip "
                       "netns del $n; done; rm -rf %s\n",
                       r->sandbox, vnet, r->root, r->sandbox,
                       r->n_guests > 1 && r->guests[0].qemu ? 2 : 1, r->sandbox, r->root);
        } else {
                printf("teardown  %s (%u links, %u rule tables, %u processes left)   in %.0f ms\n",
                       r->teardown_clean ? "clean" : "NOT CLEAN", r->left_links, r->left_rules,
                       r->left_procs, r->teardown_ms);
        }
        printf("result    %s\n", r->ok ? "every cell as the mode promises" : "FAILED");
}

static int cmd_lab(struct cli *cli, int argc, char **argv)
{
        const struct cli_cmd *cmd = &cli_lab_cmds[0];
        struct vn_lab_report rep;
        struct vn_lab_opts o = {0};
        struct vn_error err = {0};
        const char *guests = NULL, *kernel = NULL, *initrd = NULL;
        bool keep = false, quiet = false, qemu = false;
        char *pos[1];
        int n, r;

        const struct cli_opt opts[] = {
                {"--guests", true, &guests, NULL},
                {"--keep", false, NULL, &keep},
                {"--quiet", false, NULL, &quiet},
                {"--qemu", false, NULL, &qemu},
                {"--kernel", true, &kernel, NULL},
                {"--initrd", true, &initrd, NULL},
                {0},
        };
        n = cli_parse_opts(cmd, argc, argv, opts, pos, 1);
        if (n < 0)
                return EXIT_USAGE;
        if (n != 1)
                return cli_usage(cmd, "exactly one FILE is needed");
        o.file = pos[0];
        o.guests = 2;
        if (guests) {
                char *end;
                long v = strtol(guests, &end, 10);

                if (*end || v < 1 || v > 16)
                        return cli_usage(cmd, "--guests takes a number from 1 to 16");
                o.guests = (unsigned)v;
        }
        if ((kernel || initrd) && !qemu)
                return cli_usage(cmd, "--kernel and --initrd go with --qemu");
        if (!kernel != !initrd)
                return cli_usage(cmd, "--kernel and --initrd go together");
        o.keep = keep;
        o.qemu = qemu;
        o.kernel = kernel;
        o.initrd = initrd;
        o.fw_backend = cli->fw_backend;
        if (!quiet && !cli->json)
                o.progress = lab_progress;
        r = vn_lab_run(&o, &rep, &err);
        if (r < 0) {
                vn_lab_report_free(&rep);
                return cli_fail(&err, r);
        }
        if (cli->json)
                print_json(&rep);
        else
                print_table(&rep, keep, "vnet");
        r = rep.ok ? EXIT_OK : EXIT_USER;
        vn_lab_report_free(&rep);
        return r;
}

const struct cli_cmd cli_lab_cmds[] = {
        {"lab", cmd_lab,
         "[--guests N] [--qemu [--kernel VMLINUX --initrd INITRD]] [--keep] [--quiet] FILE",
         "try a network safely in a throwaway sandbox",
         "Builds a sandbox of network namespaces — a \"host\" where vnet realizes the\n"
         "network of FILE under a private --root, an \"uplink\" playing the outside world\n"
         "(a listener there reports the source address it sees, so NAT and routing are\n"
         "visible), and N namespace guests plugged into the network — then checks every\n"
         "cell the forward mode promises: each guest's address (DHCP when the network\n"
         "serves it), its gateway, the uplink and how it is seen there, DNS from the\n"
         "network's dnsmasq, and the other guests. Then it tears everything down and\n"
         "counts what is left. The namespace vnet runs in is never touched. The sandbox\n"
         "host forwards IPv4, as a KVM host with other networks does, so isolation is\n"
         "shown by vnet's rules and not by a disabled forwarding switch.\n"
         "\n"
         "Expectations: nat reaches the uplink as the host's address; route and open as\n"
         "the guest's own; isolated must NOT reach the uplink (an unexpected success is\n"
         "a failure); host-bridge and macvtap guests lease from the uplink's LAN.\n"
         "\n"
         "With --qemu, guest g1 is a real QEMU guest (TCG; $VNET_LAB_ACCEL=kvm for KVM)\n"
         "whose NIC is a port of the network handed to QEMU as an fd, as `vnet qemu`\n"
         "does, inside the sandbox host. Its /init leases an address, pings the gateway,\n"
         "connects to the uplink listener, resolves a name through the gateway, pings\n"
         "the other guests and reports on its serial console, which the lab reads\n"
         "(bounded wait) into the same cells. Without --kernel/--initrd the tiny guest\n"
         "(the host's Debian kernel + busybox-static) is built once by vnet-guest-build\n"
         "and cached in $XDG_CACHE_HOME/vnet-lab or /var/cache/vnet-lab.\n"
         "\n"
         "Options:\n"
         "  --guests N   guests to plug in (default 2; passthrough: 1)\n"
         "  --qemu       g1 is a QEMU guest (needs qemu-system-x86_64)\n"
         "  --kernel F   --qemu: boot this kernel (with --initrd; the initramfs must\n"
         "               be one vnet-guest-build makes, or speak its console protocol)\n"
         "  --initrd F   --qemu: that initramfs\n"
         "  --keep       leave the sandbox up and print how to enter it\n"
         "  --quiet      no progress lines\n"
         "With --json the report is one JSON object. Exit status 0 only when every cell\n"
         "holds and teardown left nothing.\n"},
        {0},
};
