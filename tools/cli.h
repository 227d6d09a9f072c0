/*
 * cli.h: shared pieces of the vnet command-line front end. The front end
 * parses arguments, calls the library (backend/vnet.h) and prints; it holds
 * no networking logic.
 */
#ifndef VNET_CLI_H
#define VNET_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "vnet.h"

/* exit statuses */
#define EXIT_OK    0
#define EXIT_USER  1 /* the request failed (bad input, state, kernel said no) */
#define EXIT_USAGE 2 /* the command line was wrong */

struct cli {
        const char *root;
        bool json;
        int verbose;
        int fw_backend;
        struct vn_ctx *ctx; /* created lazily by cli_ctx() */
};

struct cli_cmd {
        const char *name;
        int (*fn)(struct cli *cli, int argc, char **argv);
        const char *synopsis;
        const char *summary;
        const char *help; /* full text for `vnet CMD --help` */
};

extern const struct cli_cmd cli_net_cmds[];     /* cmd-net.c: definitions */
extern const struct cli_cmd cli_run_cmds[];     /* cmd-run.c: running networks */
extern const struct cli_cmd cli_port_cmds[];    /* cmd-port.c: guest ports, QEMU */
extern const struct cli_cmd cli_fwd_cmds[];     /* cmd-forward.c: port forwards */
extern const struct cli_cmd cli_lab_cmds[];     /* cmd-lab.c: vnet lab */
extern const struct cli_cmd cli_overlay_cmds[]; /* cmd-overlay.c: overlay peers */
extern const struct cli_cmd cli_libvirt_cmds[]; /* cmd-libvirt.c: libvirtd both ways */

/* A command's options: --name, --name=value, --name value. */
struct cli_opt {
        const char *name;
        bool has_arg;
        const char **value; /* has_arg */
        bool *flag;         /* !has_arg */
};
/* Splits argv (argv[0] = command) into options and up to max_pos positionals in pos[].
 * Returns the number of positionals, or -1 after printing a usage error. */
int cli_parse_opts(const struct cli_cmd *cmd, int argc, char **argv, const struct cli_opt *opts,
                   char **pos, int max_pos);

/* Exactly one positional argument (`what` names it in the usage error), then the context:
 * returns EXIT_OK with *arg and *ctx set, or the exit status the command should return. */
int cli_one(struct cli *cli, const struct cli_cmd *cmd, int argc, char **argv,
            const struct cli_opt *opts, const char *what, char **arg, struct vn_ctx **ctx);

/* The command called name in table (NULL-terminated), or NULL. */
const struct cli_cmd *cli_find(const struct cli_cmd *table, const char *name);

int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print err (or strerror(code)) as "vnet: error: ..." and return EXIT_USER. */
int cli_fail(const struct vn_error *err, int code);
int cli_usage(const struct cli_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Handles --help for a command: returns true when help was printed. */
bool cli_want_help(const struct cli_cmd *cmd, int argc, char **argv);
struct vn_ctx *cli_ctx(struct cli *cli, struct vn_error *err);
void cli_json_str(FILE *f, const char *s);

#endif
