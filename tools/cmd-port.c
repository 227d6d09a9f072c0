/*
 * cmd-port.c: (being written) — an empty command table until then.
 */
#include "config.h"

#include "cli.h"

const struct cli_cmd cli_port_cmds[] = {
        {0},
};
