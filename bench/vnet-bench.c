/*
 * vnet-bench: how long vnet takes, next to the kernel's own limit (and to
 * libvirt, when bench/libvirt.sh is given a libvirtd — see bench/README.md).
 *
 * Runs entirely inside a network namespace it creates for itself
 * (unshare(CLONE_NEWNET)) with a private --root, so it never touches the
 * host's network. Prints one machine-readable line per figure:
 *
 *   vnet nat start median_ms=12.1 min_ms=11.0 max_ms=15.2 n=20
 *
 * Options: --reps N (20), --scale 1,10,100 (network counts), --vnet PATH,
 * --modes nat,route,isolated,open,bridge, --no-limit, --quick.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dnsmasq.h"
#include "fw.h"
#include "link.h"
#include "plan.h"
#include "port.h"
#include "vnet.h"

static const char *vnet_bin = NULL;
static char root[256];

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return x < y ? -1 : x > y;
}

struct stats {
        double median, min, max, total;
        size_t n;
};

static struct stats stats_of(double *v, size_t n)
{
        struct stats s = {0};

        if (n == 0)
                return s;
        for (size_t i = 0; i < n; i++)
                s.total += v[i];
        qsort(v, n, sizeof(*v), cmp_double);
        s.min = v[0];
        s.max = v[n - 1];
        s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        s.n = n;
        return s;
}

static void print_stats(const char *what, struct stats s)
{
        printf("%s median_ms=%.2f min_ms=%.2f max_ms=%.2f n=%zu\n", what, s.median, s.min, s.max,
               s.n);
        fflush(stdout);
}

/* Run `vnet --root ROOT ARGS...`, quietly; returns elapsed ms, or -1 on failure. */
static double run_vnet(const char *a1, const char *a2)
{
        uint64_t t0 = vn_now_ns();
        int st;
        pid_t pid = fork();

        if (pid < 0)
                return -1;
        if (pid == 0) {
                int devnull = open("/dev/null", O_WRONLY);

                if (devnull >= 0) {
                        dup2(devnull, 1);
                        if (!getenv("BENCH_VERBOSE"))
                                dup2(devnull, 2);
                }
                execl(vnet_bin, vnet_bin, "--root", root, a1, a2, (char *)NULL);
                _exit(127);
        }
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                return -1;
        return (double)(vn_now_ns() - t0) / 1e6;
}

static int write_net(const char *path, const char *name, const char *mode, const char *bridge,
                     unsigned a, unsigned b)
{
        FILE *f = fopen(path, "w");

        if (!f)
                return -errno;
        fprintf(f, "<network>\n  <name>%s</name>\n", name);
        if (strcmp(mode, "isolated") != 0)
                fprintf(f, "  <forward mode='%s'/>\n", strcmp(mode, "hostbridge") ? mode : "bridge");
        fprintf(f, "  <bridge name='%s' stp='off'/>\n", bridge);
        if (strcmp(mode, "hostbridge") != 0)
                fprintf(f,
                        "  <ip address='10.%u.%u.1' prefix='24'>\n    <dhcp>\n      <range "
                        "start='10.%u.%u.2' end='10.%u.%u.254'/>\n    </dhcp>\n  </ip>\n",
                        a, b, a, b, a, b);
        fprintf(f, "</network>\n");
        return fclose(f) == 0 ? 0 : -errno;
}

static int define(const char *name, const char *mode, const char *bridge, unsigned a, unsigned b)
{
        char path[512];

        snprintf(path, sizeof(path), "%s/%s.xml", root, name);
        if (write_net(path, name, mode, bridge, a, b) < 0)
                return -1;
        return run_vnet("define", path) < 0 ? -1 : 0;
}

/* 1. start/destroy per mode through the CLI (what an operator runs) */
static void bench_modes(const char *modes, unsigned reps)
{
        char *copy = strdup(modes), *save = NULL;

        for (char *m = strtok_r(copy, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
                double *st = calloc(reps, sizeof(double)), *de = calloc(reps, sizeof(double));
                const char *mode = strcmp(m, "bridge") == 0 ? "hostbridge" : m;
                char what[128];
                size_t ns = 0, nd = 0;

                if (strcmp(mode, "hostbridge") == 0) {
                        struct vn_nl *nl = NULL;
                        struct vn_error e = {0};
                        struct vn_bridge_spec spec = {.name = "br0"};

                        if (vn_nl_open(&nl, &e) == 0) {
                                vn_bridge_create(nl, &spec, &e);
                                vn_nl_close(nl);
                        }
                }
                if (define(m, mode, strcmp(mode, "hostbridge") ? "vnb-mode" : "br0", 77, 1) < 0) {
                        printf("vnet %s error=define-failed\n", m);
                        free(st);
                        free(de);
                        continue;
                }
                for (unsigned i = 0; i < reps; i++) {
                        double t = run_vnet("start", m);

                        if (t < 0) {
                                printf("vnet %s error=start-failed rep=%u\n", m, i);
                                break;
                        }
                        st[ns++] = t;
                        t = run_vnet("destroy", m);
                        if (t < 0) {
                                printf("vnet %s error=destroy-failed rep=%u\n", m, i);
                                break;
                        }
                        de[nd++] = t;
                }
                snprintf(what, sizeof(what), "vnet %s start", m);
                print_stats(what, stats_of(st, ns));
                snprintf(what, sizeof(what), "vnet %s destroy", m);
                print_stats(what, stats_of(de, nd));
                run_vnet("undefine", m);
                free(st);
                free(de);
        }
        free(copy);
}

static unsigned rules_on_path(const char *bridge)
{
        char cmd[128], chain[64];
        char *out = NULL;
        struct vn_error e = {0};
        unsigned n = 0;

        /* a packet from the guest to the outside: the base forward chain's rules, then the
         * network's "out" chain (jumped to from a verdict map) */
        if (vn_nft_query("list chain inet vnet forward", &out, &e) == 0 && out) {
                for (char *p = out; (p = strstr(p, "vmap")); p++)
                        n++;
                free(out);
                out = NULL;
        }
        vn_nft_ident(bridge, "out", chain, sizeof(chain));
        snprintf(cmd, sizeof(cmd), "list chain inet vnet %s", chain);
        if (vn_nft_query(cmd, &out, &e) == 0 && out) {
                for (char *p = out; (p = strstr(p, "accept")); p++) {
                        n++;
                        break; /* the first rule accepts the guest's traffic */
                }
                free(out);
        }
        return n;
}

/* 2. scale: define+start N NAT networks, then destroy them all */
static void bench_scale(unsigned n)
{
        double *st = calloc(n, sizeof(double)), *de = calloc(n, sizeof(double));
        char name[32], bridge[16], what[128];
        size_t ns = 0, nd = 0;
        double first = 0, last = 0;

        for (unsigned i = 0; i < n; i++) {
                snprintf(name, sizeof(name), "s%u", i);
                snprintf(bridge, sizeof(bridge), "vns%u", i);
                if (define(name, "nat", bridge, 100 + i / 250, i % 250) < 0) {
                        printf("vnet scale n=%u error=define-failed i=%u\n", n, i);
                        break;
                }
                st[ns] = run_vnet("start", name);
                if (st[ns] < 0) {
                        printf("vnet scale n=%u error=start-failed i=%u\n", n, i);
                        break;
                }
                if (i == 0)
                        first = st[ns];
                last = st[ns];
                ns++;
        }
        snprintf(bridge, sizeof(bridge), "vns%zu", ns ? ns - 1 : 0);
        printf("vnet scale n=%u rules_on_forward_path_last=%u\n", n, rules_on_path(bridge));
        for (unsigned i = 0; i < ns; i++) {
                snprintf(name, sizeof(name), "s%u", i);
                de[nd] = run_vnet("destroy", name);
                if (de[nd] >= 0)
                        nd++;
                run_vnet("undefine", name);
        }
        {
                struct stats s = stats_of(st, ns), d = stats_of(de, nd);

                snprintf(what, sizeof(what), "vnet scale n=%u start_each", n);
                print_stats(what, s);
                printf("vnet scale n=%u start_total_ms=%.1f first_ms=%.2f last_ms=%.2f\n", n,
                       s.total, first, last);
                snprintf(what, sizeof(what), "vnet scale n=%u destroy_each", n);
                print_stats(what, d);
                printf("vnet scale n=%u destroy_total_ms=%.1f\n", n, d.total);
        }
        free(st);
        free(de);
}

/* The kernel limit: the same kernel work as a NAT start (bridge with MAC, address, up, one nft
 * transaction with the network's rules, dnsmasq until it serves) with nothing of vnet's
 * around it: no parse, no plan at run time, no journal, no state files, no process exec. */
static void bench_limit(unsigned reps)
{
        double *st = calloc(reps, sizeof(double)), *de = calloc(reps, sizeof(double));
        struct vn_net *net = NULL;
        struct vn_plan *p = NULL;
        struct vn_plan_opts opts = {0};
        struct vn_error e = {0};
        char path[512], rundir[512];
        size_t ns = 0, nd = 0;

        snprintf(path, sizeof(path), "%s/limit.xml", root);
        snprintf(rundir, sizeof(rundir), "%s/limit-run", root);
        mkdir(rundir, 0755);
        if (write_net(path, "limit", "nat", "vnb-limit", 77, 2) < 0 ||
            vn_net_parse_file(path, &net, &e) < 0)
                return;
        opts.run_dir = rundir;
        opts.fw = VN_FW_NFT;
        if (vn_plan_build(net, &opts, &p, &e) < 0) {
                printf("limit error=%s\n", e.msg);
                return;
        }
        FILE *f = fopen(p->dnsmasq_conf_path, "w");
        fputs(p->dnsmasq_conf, f);
        fclose(f);
        f = fopen(p->dnsmasq_hosts_path, "w");
        fclose(f);
        f = fopen(p->dnsmasq_addnhosts_path, "w");
        fclose(f);
        for (unsigned i = 0; i < reps; i++) {
                struct vn_nl *nl = NULL;
                struct vn_bridge_spec spec = {.name = p->bridge, .mac = p->mac};
                pid_t pid = 0;
                uint64_t t0 = vn_now_ns();

                if (vn_nl_open(&nl, &e) < 0 || vn_bridge_create(nl, &spec, &e) < 0 ||
                    vn_ifaddr_add(nl, p->bridge, &p->addrs[0].addr, p->addrs[0].prefix, false,
                                  &e) < 0 ||
                    vn_link_set_up(nl, p->bridge, true, &e) < 0 ||
                    vn_nft_run(p->fw_apply, false, &e) < 0 ||
                    vn_dnsmasq_start(p->dnsmasq_conf_path, p->dnsmasq_pid_path, &pid, &e) < 0) {
                        printf("limit error=\"%s\"\n", e.msg);
                        vn_nl_close(nl);
                        break;
                }
                st[ns++] = (double)(vn_now_ns() - t0) / 1e6;
                t0 = vn_now_ns();
                vn_dnsmasq_stop(pid, p->dnsmasq_conf_path, &e);
                vn_nft_run(p->fw_remove, false, &e);
                vn_link_delete(nl, p->bridge, &e);
                de[nd++] = (double)(vn_now_ns() - t0) / 1e6;
                vn_nl_close(nl);
        }
        print_stats("limit nat start", stats_of(st, ns));
        print_stats("limit nat destroy", stats_of(de, nd));
        vn_nft_run("delete table inet vnet\n", false, &e);
        vn_plan_free(p);
        vn_net_free(net);
        free(st);
        free(de);
}

/* ---- guest ports (the ports work; kept apart from the network figures) ----------------------
 * Per-port create and delete through the library (vn_port_add / vn_port_del, each taking the
 * network's lock and writing its record, as the CLI does) with `counts` ports alive at once:
 * taps on a NAT network's bridge, veths into a namespace, macvtaps on a veth "uplink". */
static void bench_ports_kind(struct vn_ctx *ctx, const char *net, const char *kind,
                             const char *netns, unsigned n)
{
        double *ad = calloc(n, sizeof(double)), *dd = calloc(n, sizeof(double));
        char(*names)[16] = calloc(n, sizeof(*names)), what[128], peer[16];
        size_t na = 0, nd = 0;

        for (unsigned i = 0; i < n && ad && dd && names; i++) {
                struct vn_port_opts o = {.persist = !netns, .vnet_hdr = true, .netns = netns};
                struct vn_port p;
                struct vn_error e = {0};
                uint64_t t0 = vn_now_ns();

                snprintf(peer, sizeof(peer), "g%u", i);
                o.ifname = netns ? peer : NULL;
                if (vn_port_add(ctx, net, &o, &p, &e) < 0) {
                        printf("vnet ports %s n=%u error=\"%s\" i=%u\n", kind, n, e.msg, i);
                        break;
                }
                ad[na] = (double)(vn_now_ns() - t0) / 1e6;
                memcpy(names[na++], p.ifname, 16);
        }
        for (size_t i = 0; i < na; i++) {
                struct vn_error e = {0};
                uint64_t t0 = vn_now_ns();

                if (vn_port_del(ctx, net, names[i], &e) == 0)
                        dd[nd++] = (double)(vn_now_ns() - t0) / 1e6;
        }
        snprintf(what, sizeof(what), "vnet ports %s n=%u add_each", kind, n);
        print_stats(what, stats_of(ad, na));
        snprintf(what, sizeof(what), "vnet ports %s n=%u del_each", kind, n);
        print_stats(what, stats_of(dd, nd));
        free(ad);
        free(dd);
        free(names);
}

static void bench_ports(const char *counts)
{
        struct vn_ctx *ctx = NULL;
        struct vn_error e = {0};
        char path[512], nspath[64];
        pid_t guest;
        int pfd[2];
        FILE *f;

        if (!*counts || define("pb", "nat", "vnpb", 99, 1) < 0 || run_vnet("start", "pb") < 0 ||
            vn_ctx_new(root, &ctx, &e) < 0) {
                if (*counts)
                        printf("vnet ports error=setup-failed\n");
                return;
        }
        /* the namespace guests' side: a child holding a fresh network namespace */
        if (pipe(pfd) < 0)
                return;
        guest = fork();
        if (guest == 0) {
                char c;

                close(pfd[1]);
                if (unshare(CLONE_NEWNET) == 0)
                        (void)!read(pfd[0], &c, 1); /* until the parent closes the pipe */
                _exit(0);
        }
        close(pfd[0]);
        usleep(100000);
        snprintf(nspath, sizeof(nspath), "/proc/%ld/ns/net", (long)guest);
        system("ip link add pbup0 type veth peer name pbup0p && ip link set pbup0 up && "
               "ip link set pbup0p up");
        snprintf(path, sizeof(path), "%s/pbmv.xml", root);
        f = fopen(path, "w");
        if (f) {
                fputs("<network><name>pbmv</name><forward mode='bridge'><interface dev='pbup0'/>"
                      "</forward></network>\n",
                      f);
                fclose(f);
        }
        run_vnet("define", path);
        run_vnet("start", "pbmv");
        {
                char *copy = strdup(counts), *save = NULL;

                for (char *c = strtok_r(copy, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
                        unsigned n = (unsigned)atoi(c);

                        if (n == 0)
                                continue;
                        bench_ports_kind(ctx, "pb", "tap", NULL, n);
                        bench_ports_kind(ctx, "pb", "netns-veth", nspath, n);
                        if (n <= 100) /* macvtaps: one /dev/tapN each; 100 says enough */
                                bench_ports_kind(ctx, "pbmv", "macvtap", NULL, n);
                }
                free(copy);
        }
        close(pfd[1]);
        waitpid(guest, NULL, 0);
        run_vnet("destroy", "pb");
        run_vnet("destroy", "pbmv");
        run_vnet("undefine", "pb");
        run_vnet("undefine", "pbmv");
        system("ip link del pbup0 2>/dev/null");
        vn_ctx_free(ctx);
}

static void usage(FILE *f)
{
        fprintf(f, "Usage: vnet-bench [--vnet PATH] [--reps N] [--modes LIST] [--scale LIST] "
                   "[--no-limit] [--quick]\n"
                   "Runs in a network namespace of its own; prints one line per figure.\n");
}

int main(int argc, char **argv)
{
        const char *modes = "nat,route,isolated,open,bridge", *scale = "1,10,100";
        const char *ports = "1,100,1000"; /* --ports LIST: guest ports per network */
        unsigned reps = 20;
        bool limit = true;

        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--vnet") == 0 && i + 1 < argc)
                        vnet_bin = argv[++i];
                else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
                        reps = (unsigned)atoi(argv[++i]);
                else if (strcmp(argv[i], "--modes") == 0 && i + 1 < argc)
                        modes = argv[++i];
                else if (strcmp(argv[i], "--scale") == 0 && i + 1 < argc)
                        scale = argv[++i];
                else if (strcmp(argv[i], "--ports") == 0 && i + 1 < argc)
                        ports = argv[++i];
                else if (strcmp(argv[i], "--no-limit") == 0)
                        limit = false;
                else if (strcmp(argv[i], "--quick") == 0) {
                        reps = 3;
                        scale = "1,10";
                        modes = "nat,isolated";
                        ports = "1,10";
                } else if (strcmp(argv[i], "--help") == 0) {
                        usage(stdout);
                        return 0;
                } else {
                        usage(stderr);
                        return 2;
                }
        }
        if (!vnet_bin)
                vnet_bin = getenv("VNET") ? getenv("VNET") : "tools/vnet";
        if (access(vnet_bin, X_OK) < 0) {
                fprintf(stderr, "vnet-bench: %s is not executable (use --vnet PATH)\n", vnet_bin);
                return 2;
        }
        if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
                fprintf(stderr, "vnet-bench: needs root to create its own network namespace\n");
                return 77;
        }
        system("ip link set lo up");
        snprintf(root, sizeof(root), "/tmp/vnet-bench.XXXXXX");
        if (!mkdtemp(root))
                return 1;
        chmod(root, 0755);
        printf("# vnet-bench: %u repetitions, in a private network namespace\n", reps);
        if (*modes)
                bench_modes(modes, reps);
        if (limit)
                bench_limit(reps);
        {
                char *copy = strdup(scale), *save = NULL;

                for (char *s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save))
                        if (atoi(s) > 0)
                                bench_scale((unsigned)atoi(s));
                free(copy);
        }
        bench_ports(ports);
        {
                char cmd[300];

                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
                system(cmd);
        }
        return 0;
}
