/*
 * cmd-libvirt.c: vnet and a running libvirtd — import, attach, detach. The library does the
 * work (backend/libvirt.c); this file parses and prints.
 */
#include "config.h"

#include "cli.h"
#include "libvirt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define self(name) cli_find(cli_libvirt_cmds, name)

/* ---- import ------------------------------------------------------------------------------- */

static void import_json(const struct vn_import_item *v, size_t n)
{
        printf("[");
        for (size_t i = 0; i < n; i++) {
                const struct vn_import_item *it = &v[i];

                printf("%s{\"name\":", i ? "," : "");
                cli_json_str(stdout, it->name);
                printf(",\"uuid\":");
                cli_json_str(stdout, it->uuid);
                printf(",\"mode\":");
                cli_json_str(stdout, it->mode);
                printf(",\"bridge\":");
                cli_json_str(stdout, it->bridge);
                printf(",\"libvirt_active\":%s,\"autostart\":%s,\"imported\":%s,\"updated\":%s",
                       it->libvirt_active ? "true" : "false", it->autostart ? "true" : "false",
                       it->imported ? "true" : "false", it->updated ? "true" : "false");
                printf(",\"refused\":");
                if (it->refused)
                        cli_json_str(stdout, it->refused);
                else
                        printf("null");
                printf(",\"differences\":[");
                for (size_t j = 0; j < it->n_notes; j++) {
                        printf("%s", j ? "," : "");
                        cli_json_str(stdout, it->notes[j]);
                }
                printf("]}");
        }
        printf("]\n");
}

static void import_text(const struct vn_import_item *v, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                const struct vn_import_item *it = &v[i];

                if (!it->imported) {
                        printf("%s: refused: %s\n", it->name, it->refused);
                        continue;
                }
                printf("%s: %s (%s%s%s, uuid %s)%s%s\n", it->name,
                       it->updated ? "imported, replacing vnet's definition" : "imported", it->mode,
                       it->bridge[0] ? ", bridge " : "", it->bridge, it->uuid,
                       it->autostart ? ", autostart" : "",
                       it->libvirt_active ? "; running in libvirt: `vnet adopt` takes it over"
                                          : "");
                if (it->n_notes == 0)
                        printf("    vnet realizes it as libvirt does\n");
                for (size_t j = 0; j < it->n_notes; j++)
                        printf("    differs: %s\n", it->notes[j]);
        }
}

static int cmd_import(struct cli *cli, int argc, char **argv)
{
        const struct cli_cmd *cmd = self("import");
        const char *uri = NULL;
        bool all = false;
        struct vn_import_item *v = NULL;
        struct vn_error err = {0};
        struct vn_ctx *ctx;
        size_t n = 0, refused = 0;
        char *names[256];
        int k, r;

        const struct cli_opt opts[] = {{"--connect", true, &uri, NULL},
                                       {"-c", true, &uri, NULL},
                                       {"--all", false, NULL, &all},
                                       {0}};
        k = cli_parse_opts(cmd, argc, argv, opts, names, 256);
        if (k < 0)
                return EXIT_USAGE;
        if (all == (k > 0))
                return cli_usage(cmd, "give either --all or network NAMEs");
        ctx = cli_ctx(cli, &err);
        if (!ctx)
                return cli_fail(&err, -EINVAL);
        r = vn_libvirt_import(ctx, uri, names, (size_t)k, &v, &n, &err);
        if (r < 0)
                return cli_fail(&err, r);
        if (cli->json)
                import_json(v, n);
        else if (n == 0)
                printf("libvirt has no persistent network to import\n");
        else
                import_text(v, n);
        for (size_t i = 0; i < n; i++)
                refused += !v[i].imported;
        vn_import_free(v, n);
        return refused ? EXIT_USER : EXIT_OK;
}

/* ---- attach / detach -------------------------------------------------------------------- */

static void attachment_json(const struct vn_attachment *a)
{
        printf("{\"domain\":");
        cli_json_str(stdout, a->domain);
        printf(",\"domain_uuid\":\"%s\",\"network\":", a->domain_uuid);
        cli_json_str(stdout, a->net);
        printf(",\"mac\":\"%s\",\"ifname\":", a->mac);
        cli_json_str(stdout, a->ifname);
        printf(",\"model\":");
        cli_json_str(stdout, a->model);
        printf(",\"portgroup\":");
        cli_json_str(stdout, a->portgroup);
        printf(",\"live\":%s,\"config\":%s}\n", a->live ? "true" : "false",
               a->config ? "true" : "false");
}

static int cmd_attach(struct cli *cli, int argc, char **argv)
{
        const struct cli_cmd *cmd = self("attach");
        struct vn_attach_opts o = {0};
        struct vn_attachment a;
        struct vn_error err = {0};
        struct vn_ctx *ctx;
        char *pos[2];
        int n, r;

        const struct cli_opt opts[] = {{"--connect", true, &o.uri, NULL},
                                       {"-c", true, &o.uri, NULL},
                                       {"--mac", true, &o.mac, NULL},
                                       {"--model", true, &o.model, NULL},
                                       {"--portgroup", true, &o.portgroup, NULL},
                                       {"--live", false, NULL, &o.live},
                                       {"--config", false, NULL, &o.config},
                                       {0}};
        n = cli_parse_opts(cmd, argc, argv, opts, pos, 2);
        if (n < 0)
                return EXIT_USAGE;
        if (n != 2)
                return cli_usage(cmd, "a DOMAIN and a network NAME are needed");
        o.domain = pos[0];
        o.net = pos[1];
        ctx = cli_ctx(cli, &err);
        if (!ctx)
                return cli_fail(&err, -EINVAL);
        r = vn_libvirt_attach(ctx, &o, &a, &err);
        if (r < 0)
                return cli_fail(&err, r);
        if (cli->json)
                attachment_json(&a);
        else
                printf("Interface %s (port %s of network %s) attached to domain %s%s%s\n", a.mac,
                       a.ifname, a.net, a.domain, a.live ? ", live" : "",
                       a.config ? ", persistent" : "");
        return EXIT_OK;
}

static int cmd_detach(struct cli *cli, int argc, char **argv)
{
        const struct cli_cmd *cmd = self("detach");
        const char *uri = NULL;
        struct vn_attachment a;
        struct vn_error err = {0};
        struct vn_ctx *ctx;
        char *pos[2];
        int n, r;

        const struct cli_opt opts[] = {
            {"--connect", true, &uri, NULL}, {"-c", true, &uri, NULL}, {0}};
        n = cli_parse_opts(cmd, argc, argv, opts, pos, 2);
        if (n < 0)
                return EXIT_USAGE;
        if (n != 2)
                return cli_usage(cmd, "a DOMAIN and a MAC are needed");
        ctx = cli_ctx(cli, &err);
        if (!ctx)
                return cli_fail(&err, -EINVAL);
        r = vn_libvirt_detach(ctx, uri, pos[0], pos[1], &a, &err);
        if (r < 0)
                return cli_fail(&err, r);
        if (cli->json)
                attachment_json(&a);
        else
                printf("Interface %s (port %s of network %s) detached from domain %s\n", a.mac,
                       a.ifname, a.net, a.domain);
        return EXIT_OK;
}

static int cmd_adopt(struct cli *cli, int argc, char **argv)
{
        const struct cli_cmd *cmd = self("adopt");
        const char *uri = NULL;
        bool undo = false;
        struct vn_adopt_result res;
        struct vn_error err = {0};
        struct vn_ctx *ctx;
        char *pos[1];
        int n, r;

        const struct cli_opt opts[] = {{"--connect", true, &uri, NULL},
                                       {"-c", true, &uri, NULL},
                                       {"--undo", false, NULL, &undo},
                                       {0}};
        n = cli_parse_opts(cmd, argc, argv, opts, pos, 1);
        if (n < 0)
                return EXIT_USAGE;
        if (n != 1)
                return cli_usage(cmd, "exactly one network NAME is needed");
        ctx = cli_ctx(cli, &err);
        if (!ctx)
                return cli_fail(&err, -EINVAL);
        r = undo ? vn_libvirt_adopt_undo(ctx, uri, pos[0], &res, &err)
                 : vn_libvirt_adopt(ctx, uri, pos[0], &res, &err);
        if (r < 0)
                return cli_fail(&err, r);
        if (cli->json) {
                printf("{\"name\":");
                cli_json_str(stdout, res.name);
                printf(",\"bridge\":");
                cli_json_str(stdout, res.bridge);
                printf(",\"undo\":%s,\"leases\":%u,\"ports\":%u,\"switch_ms\":%.1f,"
                       "\"total_ms\":%.1f}\n",
                       undo ? "true" : "false", res.n_leases, res.n_ports, res.switch_ms,
                       res.total_ms);
        } else if (undo) {
                printf("Network %s given back to libvirt on %s: %u guest port(s) re-attached, "
                       "switch-over %.1f ms\n",
                       res.name, res.bridge, res.n_ports, res.switch_ms);
        } else {
                printf("Network %s adopted on %s: %u lease(s) carried over, %u guest port(s) "
                       "re-attached, switch-over %.1f ms (total %.1f ms)\n",
                       res.name, res.bridge, res.n_leases, res.n_ports, res.switch_ms,
                       res.total_ms);
        }
        return EXIT_OK;
}

#define CONNECT_HELP                                                                               \
        "  -c, --connect URI   the libvirt daemon to talk to (default: $LIBVIRT_DEFAULT_URI,\n"    \
        "                      then libvirt's default, as virsh)\n"

#define NEEDS_LIBVIRT                                                                              \
        "Needs a vnet built with libvirt's client library (libvirt-dev, found by\n"                \
        "./configure); another build says so and exits 1.\n"

const struct cli_cmd cli_libvirt_cmds[] = {
    {"import", cmd_import, "[--connect URI] [--all | NAME...]",
     "define vnet networks from libvirt's network definitions",
     "Reads the persistent definitions (inactive XML) of libvirt's networks NAME...,\n"
     "or of all of them with --all, and defines each in vnet with the same name,\n"
     "UUID, bridge, MAC, addresses, DHCP ranges and hosts, and autostart flag. Each\n"
     "network gets the checks of `vnet validate` and is planned as `vnet start` would;\n"
     "one that fails them, or clashes with a vnet definition (same name with another\n"
     "UUID, an overlapping subnet), is refused with the reason and not defined.\n"
     "Prints per network what vnet realizes differently from libvirt (\"differs:\"),\n"
     "and whether it is running in libvirt now. Starts nothing. An unknown NAME\n"
     "imports nothing. --json prints an array of objects (name, uuid, mode, bridge,\n"
     "libvirt_active, autostart, imported, updated, refused, differences).\n"
     "\n" CONNECT_HELP "  --all               every persistent network of libvirt\n"
     "\n"
     "Exit status 1 when a network was refused. " NEEDS_LIBVIRT},
    {"attach", cmd_attach,
     "[--connect URI] [--mac MAC] [--model M] [--portgroup PG] [--live] [--config] DOMAIN NAME",
     "give a libvirt domain a NIC on a vnet network",
     "Creates a port on the running vnet network NAME (a persistent tap vnetN with\n"
     "vnet headers, on the bridge, recorded like `vnet port-add`, owner\n"
     "libvirt:DOMAIN) and adds it to the libvirt domain DOMAIN (name or UUID) as\n"
     "  <interface type='ethernet'><target dev='vnetN' managed='no'/>...\n"
     "with virDomainAttachDeviceFlags (libvirt >= 5.7 opens the existing tap). The\n"
     "guest then gets what any vnet port gets: DHCP records, forwards by MAC,\n"
     "the network's firewall.\n"
     "\n" CONNECT_HELP "  --mac MAC           the guest's MAC (default: random 52:54:00:xx:xx:xx)\n"
     "  --model M           NIC model (default virtio)\n"
     "  --portgroup PG      a portgroup of NAME; one carrying <bandwidth>, <vlan> or\n"
     "                      <virtualport> is refused (vnet does not apply them to ports)\n"
     "  --live              add it to the running domain (hotplug)\n"
     "  --config            add it to the domain's persistent definition\n"
     "                      (neither: live when the domain runs, else persistent)\n"
     "\n"
     "The attachment is journaled under run/vnet/NAME/libvirt/ before anything is made;\n"
     "a failure removes what was made. `vnet destroy NAME` detaches such ports first.\n"
     "Prints the MAC and port (--json: an object). " NEEDS_LIBVIRT},
    {"detach", cmd_detach, "[--connect URI] DOMAIN MAC",
     "remove a NIC that vnet attach gave a libvirt domain",
     "Removes the interface with MAC that `vnet attach` gave DOMAIN from the running\n"
     "domain and from its persistent definition, wherever it is (its tap goes too;\n"
     "what is already gone is fine),\n"
     "then deletes its vnet port and the record. Without --connect, the URI the\n"
     "interface was attached with.\n"
     "\n" CONNECT_HELP "\n" NEEDS_LIBVIRT},
    {"adopt", cmd_adopt, "[--connect URI] [--undo] NAME",
     "take over a running libvirt network without stopping its guests",
     "Takes libvirt's running network NAME over: defines it in vnet (as import),\n"
     "copies libvirt's DHCP leases into vnet's lease file, then switches over —\n"
     "libvirt's network stops (its firewall rules, dnsmasq and bridge go), vnet's\n"
     "starts on the same bridge name, MAC and addresses, and the guests' taps that\n"
     "were on the bridge are put back on it — and redefines libvirt's network (same\n"
     "name and UUID, autostart as before) as <forward mode='bridge'> on that bridge,\n"
     "so domain definitions with <source network='NAME'/> keep starting. Prints the\n"
     "switch-over time (libvirt's network stopped .. every tap back on the bridge).\n"
     "Journaled in run/vnet-adopt/NAME/ (libvirt's definition first): a failure\n"
     "during the switch-over gives the network back to libvirt.\n"
     "\n" CONNECT_HELP
     "  --undo              give NAME back to libvirt: the stand-in stops, vnet's\n"
     "                      network is destroyed (and undefined, unless vnet had it\n"
     "                      before), libvirt's original definition is restored and\n"
     "                      started, and the guests' taps are put back on its bridge;\n"
     "                      also after an adopt that crashed halfway\n"
     "\n"
     "--json prints an object (name, bridge, undo, leases, ports, switch_ms,\n"
     "total_ms). " NEEDS_LIBVIRT},
    {NULL, NULL, NULL, NULL, NULL},
};
