/*
 * fuzz-parse.c: libFuzzer target for the XML model layer.
 *
 * parse → format → parse again → format again must give the same text
 * (the canonical form is a fixed point), and check() must not crash on
 * anything the parser accepts. Built by `make fuzz`.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        xmlInitParser();
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct vn_error err = {0};
        struct vn_net *net = NULL, *again = NULL;
        char *first = NULL, *second = NULL;

        if (vn_net_parse_buffer((const char *)data, size, "fuzz.xml", &net, &err) < 0) {
                /* a failure always says something */
                if (err.code >= 0 || !err.msg[0])
                        abort();
                return 0;
        }
        memset(&err, 0, sizeof(err));
        (void)vn_net_check(net, &err);
        (void)vn_net_check_against(net, &net, 1, &err);

        first = vn_net_format(net, 0);
        if (!first)
                abort();
        memset(&err, 0, sizeof(err));
        if (vn_net_parse_buffer(first, strlen(first), "formatted.xml", &again, &err) < 0) {
                fprintf(stderr, "formatted output does not parse: %s\n%s", err.msg, first);
                abort();
        }
        second = vn_net_format(again, 0);
        if (!second || strcmp(first, second) != 0) {
                fprintf(stderr, "format is not a fixed point:\n--- first\n%s--- second\n%s", first,
                        second ? second : "(null)");
                abort();
        }
        free(first);
        free(second);
        vn_net_free(net);
        vn_net_free(again);
        return 0;
}
