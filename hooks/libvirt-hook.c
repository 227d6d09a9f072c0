/*
 * libvirt-hook.c: vnet-libvirt-hook, libvirt's network hook. Installed as
 * /etc/libvirt/hooks/network.d/vnet (libvirt >= 6.5) or
 * /etc/libvirt/hooks/network, it realizes vnet's XML extensions (port
 * forwards) of libvirt-managed networks in vnet's own nftables table.
 *
 *   vnet-libvirt-hook [--root DIR] [--libvirt-dnsmasq-dir DIR] NETWORK OPERATION SUBOP [EXTRA]
 *
 * with libvirt's <hookData> on stdin. Argument handling and messages only:
 * the work is in backend/hook.c. libvirt shows what we print on stderr when
 * we exit non-zero, and aborts the operation (start) with it.
 */
#include "config.h"

#include "hook.h"
#include "vnet.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PROG "vnet-libvirt-hook"

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
        va_list ap;

        fputs(PROG ": error: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        return 1;
}

static int read_all(int fd, char **out, size_t *len)
{
        size_t cap = 8192, n = 0;
        char *b = malloc(cap);

        if (!b)
                return -ENOMEM;
        for (;;) {
                ssize_t k;

                if (n + 1 >= cap) {
                        char *nb;

                        if (cap > VN_XML_MAX_SIZE + 2)
                                break; /* the parser refuses it with a message */
                        nb = realloc(b, cap * 2);
                        if (!nb) {
                                free(b);
                                return -ENOMEM;
                        }
                        b = nb;
                        cap *= 2;
                }
                k = read(fd, b + n, cap - n - 1);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        int e = errno;

                        free(b);
                        return -e;
                }
                if (k == 0)
                        break;
                n += (size_t)k;
        }
        b[n] = '\0';
        *out = b;
        *len = n;
        return 0;
}

static void usage(FILE *f)
{
        fputs("usage: " PROG " [--root DIR] [--libvirt-dnsmasq-dir DIR] NETWORK OPERATION SUBOP "
              "[EXTRA] < hookData\n"
              "libvirt's network hook: install as /etc/libvirt/hooks/network.d/vnet\n"
              "(or /etc/libvirt/hooks/network). See vnet-libvirt-hook(8).\n",
              f);
}

int main(int argc, char **argv)
{
        struct vn_hook_opts opts = {0};
        struct vn_hook_args args = {0};
        struct vn_hook_data data = {0};
        struct vn_error err = {0};
        struct vn_ctx *ctx = NULL;
        _cleanup_free_ char *in = NULL, *notes = NULL;
        const char *root = NULL;
        size_t len = 0;
        int i = 1, r;

        for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
                if (strcmp(argv[i], "--help") == 0) {
                        usage(stdout);
                        return 0;
                } else if (strcmp(argv[i], "--root") == 0 && i + 1 < argc) {
                        root = argv[++i];
                } else if (strcmp(argv[i], "--libvirt-dnsmasq-dir") == 0 && i + 1 < argc) {
                        opts.libvirt_dnsmasq_dir = argv[++i];
                } else {
                        usage(stderr);
                        return 2;
                }
        }
        /* argv[i - 1] plays argv[0] for the library: NETWORK OPERATION SUBOP [EXTRA] follow */
        r = vn_hook_parse_args(argc - i + 1, argv + i - 1, &args, &err);
        if (r < 0) {
                usage(stderr);
                return fail("%s", err.msg);
        }
        r = read_all(STDIN_FILENO, &in, &len);
        if (r < 0)
                return fail("cannot read hookData from stdin: %s", strerror(-r));
        if (args.op == VN_HOOK_OTHER)
                return 0; /* stdin drained, so libvirt's writer never sees EPIPE */
        r = vn_hook_parse_stdin(in, len, args.network, &data, &err);
        if (r < 0)
                return fail("%s", err.msg);
        r = vn_ctx_new(root, &ctx, &err);
        if (r < 0) {
                vn_hook_data_clear(&data);
                return fail("%s", err.msg);
        }
        r = vn_hook_run(ctx, &args, &data, &opts, &notes, &err);
        vn_hook_data_clear(&data);
        vn_ctx_free(ctx);
        if (r < 0)
                return fail("%s", err.msg[0] ? err.msg : strerror(-r));
        if (notes && *notes)
                fprintf(stderr, PROG ": note: %s", notes);
        return 0;
}
