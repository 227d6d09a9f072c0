/*
 * bridge-helper.c: vnet-bridge-helper, a drop-in for qemu-bridge-helper.
 *
 * QEMU runs it for `-netdev bridge,br=BR,helper=PATH` as
 *   PATH [--use-vnet] --fd=N --br=BR
 * and expects a tap attached to BR back over the unix socket N (SCM_RIGHTS),
 * then exit status 0. Installed setuid root (or with cap_net_admin), it keeps
 * only CAP_NET_ADMIN before it reads anything a user controls, and attaches
 * only to bridges its ACL allows. The tap is made by the library (vn_port_add):
 * on a bridge of a running vnet network it is recorded as that network's port.
 */
#include "config.h"

#include "acl.h"
#include "fdpass.h"
#include "port.h"
#include "vnet.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <linux/capability.h>

#define PROG        "vnet-bridge-helper"
#define DEFAULT_ACL VNET_SYSCONFDIR "/vnet/bridge.conf"

static int fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int status, const char *fmt, ...)
{
        va_list ap;

        fputs(PROG ": error: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        return status;
}

static void usage(FILE *f)
{
        fprintf(f,
                "Usage: " PROG " [--use-vnet] --br=BRIDGE --fd=N\n"
                "       " PROG " --acl-path\n"
                "\n"
                "Creates a tap, attaches it to BRIDGE and sends its fd over the unix socket N,\n"
                "as QEMU's -netdev bridge,helper=... expects. Access is governed by the ACL\n"
                "file %s (allow/deny BRIDGE|all, include FILE; deny wins, default deny).\n"
                "\n"
                "  --use-vnet   open the tap with IFF_VNET_HDR\n"
                "  --br=BRIDGE  the bridge to attach to\n"
                "  --fd=N       the unix socket to send the tap's fd on\n"
                "  --acl-path   print the ACL file this helper reads, and exit\n"
                "See vnet-bridge-helper(8).\n",
                DEFAULT_ACL);
}

/* Reduce every capability set to CAP_NET_ADMIN, for good (bounding set, no new privileges).
 * Keeps the uid: the tun device and vnet's state may be root's alone. */
static int keep_only_net_admin(void)
{
        struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
        struct __user_cap_data_struct data[2];
        int last = 40;
        FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");

        if (f) {
                if (fscanf(f, "%d", &last) != 1)
                        last = 40;
                fclose(f);
        }
        memset(data, 0, sizeof(data));
        if (syscall(SYS_capget, &hdr, data) < 0)
                return -errno;
        if (!(data[0].permitted & (1u << CAP_NET_ADMIN)))
                return 0; /* not privileged at all: nothing to give up */
        for (int c = 0; c <= last; c++)
                if (c != CAP_NET_ADMIN && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 &&
                    errno != EINVAL && errno != EPERM)
                        return -errno;
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
        memset(data, 0, sizeof(data));
        data[0].effective = data[0].permitted = 1u << CAP_NET_ADMIN;
        if (syscall(SYS_capset, &hdr, data) < 0)
                return -errno;
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;
        /* verify: fail closed */
        memset(data, 0, sizeof(data));
        if (syscall(SYS_capget, &hdr, data) < 0)
                return -errno;
        if (data[0].permitted != (1u << CAP_NET_ADMIN) || data[1].permitted)
                return -EPERM;
        return 0;
}

static const char *user_name(uid_t uid, char *buf, size_t n)
{
        struct passwd *pw = getpwuid(uid);

        if (pw)
                snprintf(buf, n, "%s", pw->pw_name);
        else
                snprintf(buf, n, "uid %ld", (long)uid);
        return buf;
}

int main(int argc, char **argv)
{
        const char *br = NULL, *acl = DEFAULT_ACL, *env;
        struct vn_port_opts o = {.type = VN_PORT_TAP, .keep_fds = true, .cloexec = true};
        struct vn_error err = {0};
        struct vn_ctx *ctx = NULL;
        _cleanup_free_ char *net = NULL;
        struct vn_port p;
        bool privileged, allowed = false;
        char owner[96], who[64];
        int sock = -1, r;

        /* setuid or file capabilities: the kernel marks the exec secure */
        privileged = getauxval(AT_SECURE) != 0;
        r = keep_only_net_admin();
        if (r < 0)
                return fail(1, "cannot drop capabilities: %s", strerror(-r));
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];

                if (strcmp(a, "--use-vnet") == 0) {
                        o.vnet_hdr = true;
                } else if (strncmp(a, "--br=", 5) == 0) {
                        br = a + 5;
                } else if (strcmp(a, "--br") == 0 && i + 1 < argc) {
                        br = argv[++i];
                } else if (strncmp(a, "--fd=", 5) == 0 ||
                           (strcmp(a, "--fd") == 0 && i + 1 < argc)) {
                        const char *v = a[4] == '=' ? a + 5 : argv[++i];
                        char *end;
                        long fd = strtol(v, &end, 10);

                        if (*end || fd < 0 || fd > 65535)
                                return fail(2, "--fd '%s': not a file descriptor", v);
                        sock = (int)fd;
                } else if (strcmp(a, "--acl-path") == 0) {
                        printf("%s\n", DEFAULT_ACL);
                        return 0;
                } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        usage(stdout);
                        return 0;
                } else {
                        usage(stderr);
                        return fail(2, "unknown argument '%s'", a);
                }
        }
        if (!br || sock < 0) {
                usage(stderr);
                return fail(2, "--br and --fd are required");
        }
        if (!vn_ifname_valid(br))
                return fail(1, "'%s' is not a valid bridge name", br);
        /* only an unprivileged run (tests) may read another ACL file */
        if (!privileged && (env = getenv("VNET_BRIDGE_ACL")) && *env)
                acl = env;
        r = vn_acl_check(acl, br, privileged ? VN_ACL_STRICT : 0, &allowed, &err);
        if (r < 0)
                return fail(1, "%s (access denied)", err.msg);
        if (!allowed)
                return fail(1, "access denied by ACL file %s: %s may not attach to bridge '%s'",
                            acl, user_name(getuid(), who, sizeof(who)), br);

        r = vn_ctx_new(privileged ? "/" : NULL, &ctx, &err);
        if (r < 0)
                return fail(1, "%s", err.msg);
        snprintf(owner, sizeof(owner), "bridge-helper (%s)", user_name(getuid(), who, sizeof(who)));
        o.owner = owner;
        o.owner_pid = vn_fd_peer_pid(sock);
        if (o.owner_pid < 0)
                o.owner_pid = 0;
        if (vn_port_net_of_bridge(ctx, br, &net) == 0) {
                r = vn_port_add(ctx, net, &o, &p, &err);
        } else {
                o.no_record = true;
                o.bridge = br;
                r = vn_port_add(ctx, NULL, &o, &p, &err);
        }
        if (r < 0) {
                vn_ctx_free(ctx);
                return fail(1, "bridge '%s': %s", br, err.msg);
        }
        r = vn_fd_send(sock, "", 1, p.fds, 1);
        vn_port_close_fds(&p);
        if (r < 0 && net)
                vn_port_del(ctx, net, p.ifname, &(struct vn_error){0});
        vn_ctx_free(ctx);
        if (r < 0)
                return fail(1, "cannot send the tap's fd on fd %d: %s", sock, strerror(-r));
        return 0;
}
