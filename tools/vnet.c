/*
 * vnet.c: the command-line front end — global options and the command
 * table. Commands live in cmd-net.c (definitions) and cmd-run.c (running
 * networks).
 */
#include "config.h"

#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char main_usage[] =
    "Usage: vnet [OPTIONS] COMMAND [ARGS...]\n"
    "       vnet-define FILE            (same as: vnet define FILE)\n"
    "\n"
    "vnet turns libvirt network XML into running networks on this host: bridges,\n"
    "addresses and routes over netlink, nftables rules, and dnsmasq for DHCP/DNS.\n"
    "\n"
    "Options:\n"
    "  --root DIR       prefix every path vnet uses (definitions, state, locks)\n"
    "                   with DIR; default $VNET_ROOT, else /\n"
    "  --json           machine-readable output for commands that list or report\n"
    "  --firewall-backend nftables|iptables|none\n"
    "                   default: nftables when usable, else iptables\n"
    "                   (or $VNET_FIREWALL_BACKEND)\n"
    "  -v, --verbose    say what vnet does, step by step (on stderr)\n"
    "  -h, --help       this help; `vnet COMMAND --help` for a command\n"
    "  -V, --version    print the version\n"
    "\n"
    "Commands:\n";

static const char main_footer[] =
    "\n"
    "Exit status: 0 on success, 1 when the request failed, 2 on a usage error.\n"
    "See vnet(8).\n";

int cli_error(const char *fmt, ...)
{
        va_list ap;

        fputs("vnet: error: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        return EXIT_USER;
}

int cli_fail(const struct vn_error *err, int code)
{
        if (err && err->code && err->msg[0])
                return cli_error("%s", err->msg);
        return cli_error("%s", strerror(code < 0 ? -code : code));
}

int cli_usage(const struct cli_cmd *cmd, const char *fmt, ...)
{
        va_list ap;

        fputs("vnet: usage error: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\nUsage: vnet %s %s\nTry 'vnet %s --help'.\n", cmd->name, cmd->synopsis,
                cmd->name);
        return EXIT_USAGE;
}

bool cli_want_help(const struct cli_cmd *cmd, int argc, char **argv)
{
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--") == 0)
                        break;
                if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                        printf("Usage: vnet %s %s\n\n%s\n\n%s", cmd->name, cmd->synopsis,
                               cmd->summary, cmd->help);
                        return true;
                }
        }
        return false;
}

static uint64_t cli_t0;

static void cli_log(void *userdata, const char *msg)
{
        (void)userdata;
        fprintf(stderr, "vnet: [%7.2f ms] %s\n", (double)(vn_now_ns() - cli_t0) / 1e6, msg);
}

struct vn_ctx *cli_ctx(struct cli *cli, struct vn_error *err)
{
        if (!cli->ctx) {
                if (vn_ctx_new(cli->root, &cli->ctx, err) < 0)
                        return NULL;
                cli->ctx->verbose = cli->verbose;
                cli->ctx->log = cli_log;
                cli->ctx->fw_backend = cli->fw_backend;
        }
        return cli->ctx;
}

void cli_json_str(FILE *f, const char *s)
{
        fputc('"', f);
        for (; s && *s; s++) {
                unsigned char c = (unsigned char)*s;

                if (c == '"' || c == '\\')
                        fprintf(f, "\\%c", c);
                else if (c == '\n')
                        fputs("\\n", f);
                else if (c < 0x20)
                        fprintf(f, "\\u%04x", c);
                else
                        fputc(c, f);
        }
        fputc('"', f);
}

int cli_parse_opts(const struct cli_cmd *cmd, int argc, char **argv, const struct cli_opt *opts,
                   char **pos, int max_pos)
{
        int n = 0;
        bool only_pos = false;

        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                const struct cli_opt *o = NULL;
                size_t len;

                if (!only_pos && strcmp(a, "--") == 0) {
                        only_pos = true;
                        continue;
                }
                if (only_pos || a[0] != '-' || a[1] == '\0') {
                        if (n >= max_pos) {
                                cli_usage(cmd, "unexpected argument '%s'", a);
                                return -1;
                        }
                        pos[n++] = argv[i];
                        continue;
                }
                len = strcspn(a, "=");
                for (const struct cli_opt *p = opts; p && p->name; p++)
                        if (strlen(p->name) == len && strncmp(p->name, a, len) == 0)
                                o = p;
                if (!o) {
                        cli_usage(cmd, "unknown option '%s'", a);
                        return -1;
                }
                if (!o->has_arg) {
                        if (a[len] == '=') {
                                cli_usage(cmd, "option '%s' takes no value", o->name);
                                return -1;
                        }
                        *o->flag = true;
                } else if (a[len] == '=') {
                        *o->value = a + len + 1;
                } else if (i + 1 < argc) {
                        *o->value = argv[++i];
                } else {
                        cli_usage(cmd, "option '%s' needs a value", o->name);
                        return -1;
                }
        }
        return n;
}

int cli_one(struct cli *cli, const struct cli_cmd *cmd, int argc, char **argv,
            const struct cli_opt *opts, const char *what, char **arg, struct vn_ctx **ctx)
{
        struct vn_error err = {0};
        char *pos[1];
        int n = cli_parse_opts(cmd, argc, argv, opts, pos, 1);

        if (n < 0)
                return EXIT_USAGE;
        if (n != 1)
                return cli_usage(cmd, "exactly one %s is needed", what);
        *ctx = cli_ctx(cli, &err);
        if (!*ctx)
                return cli_fail(&err, -EINVAL);
        *arg = pos[0];
        return EXIT_OK;
}

const struct cli_cmd *cli_find(const struct cli_cmd *table, const char *name)
{
        for (const struct cli_cmd *c = table; c->name; c++)
                if (strcmp(c->name, name) == 0)
                        return c;
        return NULL;
}

static const struct cli_cmd *find_cmd(const char *name)
{
        const struct cli_cmd *tables[] = {cli_net_cmds,    cli_run_cmds, cli_port_cmds,
                                          cli_fwd_cmds,    cli_lab_cmds, cli_overlay_cmds,
                                          cli_libvirt_cmds};

        for (size_t t = 0; t < VN_ARRAY_SIZE(tables); t++)
                for (const struct cli_cmd *c = tables[t]; c->name; c++)
                        if (strcmp(c->name, name) == 0)
                                return c;
        return NULL;
}

static void print_main_help(FILE *f)
{
        const struct cli_cmd *tables[] = {cli_net_cmds,    cli_run_cmds, cli_port_cmds,
                                          cli_fwd_cmds,    cli_lab_cmds, cli_overlay_cmds,
                                          cli_libvirt_cmds};

        fputs(main_usage, f);
        for (size_t t = 0; t < VN_ARRAY_SIZE(tables); t++)
                for (const struct cli_cmd *c = tables[t]; c->name; c++)
                        fprintf(f, "  %-14s %s\n", c->name, c->summary);
        fputs(main_footer, f);
}

int main(int argc, char **argv)
{
        struct cli cli = {0};
        const struct cli_cmd *cmd;
        const char *base = strrchr(argv[0], '/');
        int i, r;

        cli_t0 = vn_now_ns();
        base = base ? base + 1 : argv[0];
        cli.fw_backend = VN_FW_AUTO;
        for (i = 1; i < argc; i++) {
                const char *a = argv[i];

                if (a[0] != '-')
                        break;
                if (strcmp(a, "--root") == 0 || strcmp(a, "--firewall-backend") == 0) {
                        if (i + 1 >= argc) {
                                fprintf(stderr, "vnet: usage error: %s needs an argument\n", a);
                                return EXIT_USAGE;
                        }
                        if (a[2] == 'r') {
                                cli.root = argv[++i];
                        } else {
                                int b = vn_fw_backend_from_name(argv[++i]);

                                if (b < 0) {
                                        fprintf(stderr,
                                                "vnet: usage error: --firewall-backend '%s': use "
                                                "nftables, iptables or none\n",
                                                argv[i]);
                                        return EXIT_USAGE;
                                }
                                cli.fw_backend = b;
                        }
                } else if (strncmp(a, "--root=", 7) == 0) {
                        cli.root = a + 7;
                } else if (strcmp(a, "--json") == 0) {
                        cli.json = true;
                } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
                        cli.verbose++;
                } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
                        print_main_help(stdout);
                        return EXIT_OK;
                } else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
                        printf("vnet %s\n", PACKAGE_VERSION);
                        return EXIT_OK;
                } else {
                        fprintf(stderr, "vnet: usage error: unknown option '%s'\n", a);
                        print_main_help(stderr);
                        return EXIT_USAGE;
                }
        }
        if (strcmp(base, "vnet-define") == 0) {
                cmd = find_cmd("define");
                if (cli_want_help(cmd, argc - i + 1, argv + i - 1))
                        return EXIT_OK;
                /* argv[i-1] becomes the command's argv[0] */
                r = cmd->fn(&cli, argc - i + 1, argv + i - 1);
                vn_ctx_free(cli.ctx);
                return r;
        }
        if (i >= argc) {
                print_main_help(stderr);
                return EXIT_USAGE;
        }
        cmd = find_cmd(argv[i]);
        if (!cmd) {
                fprintf(stderr, "vnet: usage error: unknown command '%s' (see 'vnet --help')\n",
                        argv[i]);
                return EXIT_USAGE;
        }
        if (cli_want_help(cmd, argc - i, argv + i))
                return EXIT_OK;
        r = cmd->fn(&cli, argc - i, argv + i);
        vn_ctx_free(cli.ctx);
        return r;
}
