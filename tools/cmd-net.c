/*
 * cmd-net.c: commands on definitions — validate, define, undefine, list,
 * dumpxml, autostart.
 */
#include "config.h"

#include "cli.h"
#include "support.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define self(name) cli_find(cli_net_cmds, name)

/* ---- validate ------------------------------------------------------------ */

static int cmd_validate(struct cli *cli, int argc, char **argv)
{
        const struct cli_cmd *cmd = self("validate");
        const char *schema_dir = NULL;
        bool print = false, no_schema = false;
        char *files[256];
        int n, failed = 0;

        const struct cli_opt opts[] = {
            {"--print", false, NULL, &print},
            {"--schema-dir", true, &schema_dir, NULL},
            {"--no-schema", false, NULL, &no_schema},
            {0},
        };
        n = cli_parse_opts(cmd, argc, argv, opts, files, 256);
        if (n < 0)
                return EXIT_USAGE;
        if (n == 0)
                return cli_usage(cmd, "no FILE given");
        if (print && n != 1)
                return cli_usage(cmd, "--print takes exactly one FILE");
        if (!schema_dir && !no_schema)
                schema_dir = vn_schema_find_dir();
        if (!no_schema && !schema_dir && !cli->json)
                fprintf(stderr, "vnet: note: libvirt's network.rng was not found (looked in "
                                "$VNET_SCHEMA_DIR, /usr/share/libvirt/schemas); checking with "
                                "vnet's own parser only. Use --schema-dir DIR.\n");
        for (int i = 0; i < n; i++) {
                _cleanup_net_ struct vn_net *net = NULL;
                struct vn_error err = {0};
                int r;

                r = vn_net_parse_file(files[i], &net, &err);
                if (r == 0)
                        r = vn_net_check(net, &err);
                if (r == 0 && schema_dir && !no_schema) {
                        r = vn_schema_validate_file(schema_dir, files[i], &err);
                        if (r == -ENOENT) {
                                fprintf(stderr, "vnet: note: %s\n", err.msg);
                                r = 0;
                        }
                }
                if (r < 0) {
                        cli_fail(&err, r);
                        failed++;
                        continue;
                }
                /* valid libvirt XML that start would refuse: say so, and still exit 0 */
                {
                        char *msgs[32];
                        size_t nu = vn_net_unsupported(net, msgs, 32);

                        for (size_t k = 0; k < nu && k < 32; k++) {
                                fprintf(stderr, "vnet: warning: %s; start will refuse it\n",
                                        msgs[k] ? msgs[k] : "out of memory");
                                free(msgs[k]);
                        }
                }
                if (print) {
                        _cleanup_free_ char *xml = vn_net_format(net, VN_FORMAT_INACTIVE);

                        if (!xml)
                                return cli_error("out of memory");
                        fputs(xml, stdout);
                } else if (!cli->json) {
                        printf("%s: valid (network '%s'%s)\n", files[i], net->name,
                               schema_dir && !no_schema ? ", libvirt schema ok" : "");
                }
        }
        return failed ? EXIT_USER : EXIT_OK;
}

/* ---- define / undefine ----------------------------------------------------- */

static int cmd_define(struct cli *cli, int argc, char **argv)
{
        const struct cli_cmd *cmd = self("define");
        _cleanup_net_ struct vn_net *net = NULL;
        struct vn_error err = {0};
        struct vn_ctx *ctx;
        char *files[1];
        bool updated = false;
        int r;

        r = cli_one(cli, cmd, argc, argv, NULL, "FILE", &files[0], &ctx);
        if (r != EXIT_OK)
                return r;
        r = vn_define(ctx, files[0], &net, &updated, &err);
        if (r < 0)
                return cli_fail(&err, r);
        if (cli->json) {
                char u[37];

                vn_uuid_format(net->uuid, u);
                printf("{\"name\":");
                cli_json_str(stdout, net->name);
                printf(",\"uuid\":\"%s\",\"updated\":%s}\n", u, updated ? "true" : "false");
        } else {
                printf("Network %s %s from %s\n", net->name, updated ? "updated" : "defined",
                       files[0]);
        }
        return EXIT_OK;
}

static int cmd_undefine(struct cli *cli, int argc, char **argv)
{
        const struct cli_cmd *cmd = self("undefine");
        struct vn_error err = {0};
        struct vn_ctx *ctx;
        char *names[1];
        int r;

        r = cli_one(cli, cmd, argc, argv, NULL, "NAME", &names[0], &ctx);
        if (r != EXIT_OK)
                return r;
        r = vn_undefine(ctx, names[0], &err);
        if (r < 0)
                return cli_fail(&err, r);
        if (!cli->json)
                printf("Network %s has been undefined%s\n", names[0],
                       vn_state_get(ctx, names[0]) == VN_STATE_ACTIVE
                           ? " (it keeps running as a transient network until destroyed)"
                           : "");
        return EXIT_OK;
}

/* ---- list ---------------------------------------------------------------- */

static int cmd_list(struct cli *cli, int argc, char **argv)
{
        const struct cli_cmd *cmd = self("list");
        struct vn_net_status *l = NULL;
        struct vn_error err = {0};
        struct vn_ctx *ctx;
        bool all = false, inactive = false, name_only = false;
        size_t n = 0, shown = 0, wname = 4;
        int r;

        const struct cli_opt opts[] = {
            {"--all", false, NULL, &all},
            {"--inactive", false, NULL, &inactive},
            {"--name", false, NULL, &name_only},
            {0},
        };
        if (cli_parse_opts(cmd, argc, argv, opts, NULL, 0) < 0)
                return EXIT_USAGE;
        ctx = cli_ctx(cli, &err);
        if (!ctx)
                return cli_fail(&err, -EINVAL);
        r = vn_list(ctx, &l, &n, &err);
        if (r < 0)
                return cli_fail(&err, r);
        /* a definition that cannot be read is not listed: say so rather than hide it */
        if (err.msg[0])
                fprintf(stderr, "vnet: warning: not listed: %s\n", err.msg);
        for (size_t i = 0; i < n; i++)
                if (strlen(l[i].name) > wname)
                        wname = strlen(l[i].name);
        if (cli->json)
                printf("[");
        else if (!name_only)
                printf(" %-*s   %-8s   %-9s   %s\n%s\n", (int)wname, "Name", "State", "Autostart",
                       "Persistent", "---------------------------------------------------------");
        for (size_t i = 0; i < n; i++) {
                bool active = l[i].state != VN_STATE_INACTIVE;

                if (inactive ? active : (!all && !active))
                        continue;
                if (cli->json) {
                        printf("%s{\"name\":", shown ? "," : "");
                        cli_json_str(stdout, l[i].name);
                        printf(",\"uuid\":\"%s\",\"state\":\"%s\",\"autostart\":%s,"
                               "\"persistent\":%s,\"mode\":\"%s\",\"bridge\":",
                               l[i].uuid, vn_net_state_name(l[i].state),
                               l[i].autostart ? "true" : "false",
                               l[i].persistent ? "true" : "false", vn_fwd_mode_name(l[i].mode));
                        cli_json_str(stdout, l[i].bridge);
                        printf("}");
                } else if (name_only) {
                        printf("%s\n", l[i].name);
                } else {
                        printf(" %-*s   %-8s   %-9s   %s\n", (int)wname, l[i].name,
                               vn_net_state_name(l[i].state), l[i].autostart ? "yes" : "no",
                               l[i].persistent ? "yes" : "no");
                }
                shown++;
        }
        if (cli->json)
                printf("]\n");
        else if (!name_only)
                printf("\n");
        vn_list_free(l, n);
        return EXIT_OK;
}

/* ---- dumpxml --------------------------------------------------------------- */

static int cmd_dumpxml(struct cli *cli, int argc, char **argv)
{
        const struct cli_cmd *cmd = self("dumpxml");
        _cleanup_net_ struct vn_net *net = NULL;
        _cleanup_free_ char *xml = NULL;
        struct vn_error err = {0};
        struct vn_ctx *ctx;
        bool inactive = false;
        char *names[1];
        int r;

        const struct cli_opt opts[] = {{"--inactive", false, NULL, &inactive}, {0}};
        r = cli_one(cli, cmd, argc, argv, opts, "NAME", &names[0], &ctx);
        if (r != EXIT_OK)
                return r;
        r = vn_get_net(ctx, names[0], inactive, &net, &err);
        if (r < 0)
                return cli_fail(&err, r);
        xml = vn_net_format(net, inactive ? VN_FORMAT_INACTIVE : 0);
        if (!xml)
                return cli_error("out of memory");
        fputs(xml, stdout);
        return EXIT_OK;
}

/* ---- autostart ----------------------------------------------------------- */

static int cmd_autostart(struct cli *cli, int argc, char **argv)
{
        const struct cli_cmd *cmd = self("autostart");
        struct vn_error err = {0};
        struct vn_ctx *ctx;
        bool disable = false;
        char *names[1];
        int r;

        const struct cli_opt opts[] = {{"--disable", false, NULL, &disable}, {0}};
        r = cli_one(cli, cmd, argc, argv, opts, "NAME", &names[0], &ctx);
        if (r != EXIT_OK)
                return r;
        r = vn_autostart_set(ctx, names[0], !disable, &err);
        if (r < 0)
                return cli_fail(&err, r);
        if (!cli->json)
                printf("Network %s %s\n", names[0],
                       disable ? "unmarked as autostarted" : "marked as autostarted");
        return EXIT_OK;
}

const struct cli_cmd cli_net_cmds[] = {
    {"validate", cmd_validate, "[--print] [--schema-dir DIR | --no-schema] FILE...",
     "check network XML files without defining them",
     "Parses each FILE as libvirt network XML, applies the semantic checks libvirt\n"
     "makes at define time (addresses inside their subnet, DHCP ranges, per-mode\n"
     "elements, name and bridge-name rules), and validates it against libvirt's\n"
     "RelaxNG schema network.rng when one is found ($VNET_SCHEMA_DIR,\n"
     "/usr/share/libvirt/schemas, or --schema-dir).\n"
     "\n"
     "Options:\n"
     "  --print           write the canonical XML of the single FILE to stdout, as\n"
     "                    libvirt's formatter writes it (nothing filled in yet)\n"
     "  --schema-dir DIR  directory holding network.rng\n"
     "  --no-schema       skip the RelaxNG validation\n"
     "\n"
     "Errors name the file, line and element. Exit status 1 if any FILE is invalid.\n"},
    {"define", cmd_define, "FILE", "define (or update) a persistent network from XML",
     "Stores the network of FILE under ROOT/etc/vnet/networks/NAME.xml, filling in\n"
     "what libvirt fills in at define time: a UUID when absent, a bridge name (the\n"
     "first free virbrN) and a MAC address for modes that create a bridge.\n"
     "Defining a name that exists updates it (as virsh net-define); the UUID must\n"
     "then match or be absent. A running network keeps its live definition until\n"
     "it is restarted. Also installed as vnet-define.\n"},
    {"undefine", cmd_undefine, "NAME", "remove a persistent definition",
     "Removes the definition of NAME and its autostart mark. A running network keeps\n"
     "running until `vnet destroy NAME`.\n"},
    {"list", cmd_list, "[--all | --inactive] [--name]", "list networks",
     "Lists active networks, as `virsh net-list`: Name, State, Autostart, Persistent.\n"
     "\n"
     "Options:\n"
     "  --all        also inactive (defined but not running) networks\n"
     "  --inactive   only inactive networks\n"
     "  --name       names only, one per line\n"
     "With the global --json: an array of objects (name, uuid, state, autostart,\n"
     "persistent, mode, bridge). State 'failed' marks a start that died halfway:\n"
     "`vnet destroy NAME` cleans it up.\n"},
    {"dumpxml", cmd_dumpxml, "[--inactive] NAME", "print a network's XML",
     "Prints the XML of NAME in libvirt's canonical form: the live definition of a\n"
     "running network, or with --inactive (or when not running) the persistent one.\n"},
    {"autostart", cmd_autostart, "[--disable] NAME", "start a network at boot (or not)",
     "Marks NAME to be started by `vnet autostart-all` (what the boot-time service\n"
     "runs), or with --disable removes the mark.\n"},
    {0},
};

