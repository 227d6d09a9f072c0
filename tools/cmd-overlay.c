/*
 * cmd-overlay.c: commands for networks that span hosts (<vnet:overlay>):
 * adding and removing a VTEP on a running network.
 */
#include "config.h"

#include "cli.h"
#include "overlay.h"

#include <errno.h>
#include <string.h>

static int peer_cmd(struct cli *cli, const struct cli_cmd *cmd, bool add, int argc, char **argv)
{
        struct vn_error err = {0};
        struct vn_ctx *ctx;
        char *pos[2];
        int n, r;

        if (cli_want_help(cmd, argc, argv))
                return EXIT_OK;
        n = cli_parse_opts(cmd, argc, argv, NULL, pos, 2);
        if (n < 0)
                return EXIT_USAGE;
        if (n != 2)
                return cli_usage(cmd, "expected a network name and a VTEP address");
        ctx = cli_ctx(cli, &err);
        if (!ctx)
                return cli_fail(&err, -EINVAL);
        r = vn_overlay_peer(ctx, pos[0], pos[1], add, &err);
        if (r < 0)
                return cli_fail(&err, r);
        if (!cli->json)
                printf("Peer %s %s network %s\n", pos[1], add ? "added to" : "removed from",
                       pos[0]);
        return EXIT_OK;
}

static int cmd_peer_add(struct cli *cli, int argc, char **argv);
static int cmd_peer_del(struct cli *cli, int argc, char **argv);

const struct cli_cmd cli_overlay_cmds[] = {
    {"overlay-peer-add", cmd_peer_add, "NAME ADDRESS",
     "add a VTEP to a running overlay network",
     "Adds the VTEP ADDRESS to the running network NAME without disturbing traffic\n"
     "between the others: the underlay firewall accepts its VXLAN packets, and a static\n"
     "(type='vxlan') overlay floods to it (an all-zeros FDB entry on the vxlan link).\n"
     "Under type='evpn' BGP builds the flood list; only the firewall changes.\n"
     "The change is live only: add <vnet:peer> to the definition to keep it.\n"},
    {"overlay-peer-del", cmd_peer_del, "NAME ADDRESS",
     "remove a VTEP from a running overlay network",
     "Removes the VTEP ADDRESS from the running network NAME: its flood entry (static\n"
     "overlays) and its firewall element. Live only, as overlay-peer-add.\n"},
    {0},
};

static int cmd_peer_add(struct cli *cli, int argc, char **argv)
{
        return peer_cmd(cli, &cli_overlay_cmds[0], true, argc, argv);
}

static int cmd_peer_del(struct cli *cli, int argc, char **argv)
{
        return peer_cmd(cli, &cli_overlay_cmds[1], false, argc, argv);
}
