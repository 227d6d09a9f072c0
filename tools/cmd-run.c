/*
 * cmd-run.c: commands on running networks — start, create, destroy, plan,
 * info, dhcp-leases, autostart-all.
 */
#include "config.h"

#include "cli.h"
#include "libvirt.h"

#include <errno.h>
#include <unistd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define self(name) cli_find(cli_run_cmds, name)

static double ms_since(uint64_t t0)
{
        return (double)(vn_now_ns() - t0) / 1e6;
}

static int print_plan(struct cli *cli, const struct vn_plan *p)
{
        _cleanup_free_ char *s = cli->json ? vn_plan_format_json(p) : vn_plan_format(p);

        if (!s)
                return cli_error("out of memory");
        fputs(s, stdout);
        return EXIT_OK;
}

/* Another table that drops the network's traffic: vnet cannot override it, only say so. */
static void print_fw_warnings(struct vn_ctx *ctx, const char *name)
{
        struct vn_error ignore = {0};
        char **w = NULL;
        size_t n = 0;

        if (vn_fw_warnings(ctx, name, &w, &n, &ignore) < 0)
                return;
        for (size_t i = 0; i < n; i++)
                fprintf(stderr, "vnet: warning: %s\n", w[i]);
        vn_strv_free(w, n);
}

static int cmd_start(struct cli *cli, int argc, char **argv)
{
        const struct cli_cmd *cmd = self("start");
        _cleanup_plan_ struct vn_plan *p = NULL;
        struct vn_error err = {0};
        struct vn_ctx *ctx;
        bool dry = false;
        char *name;
        uint64_t t0;
        int r;

        const struct cli_opt opts[] = {{"--dry-run", false, NULL, &dry}, {0}};
        if ((r = cli_one(cli, cmd, argc, argv, opts, "NAME", &name, &ctx)) != EXIT_OK)
                return r;
        t0 = vn_now_ns();
        r = vn_start(ctx, name, dry ? VN_START_DRY_RUN : 0, &p, &err);
        if (r < 0)
                return cli_fail(&err, r);
        if (dry)
                return print_plan(cli, p);
        if (cli->json)
                printf("{\"name\":\"%s\",\"started\":true,\"ms\":%.2f}\n", name, ms_since(t0));
        else
                printf("Network %s started\n", name);
        print_fw_warnings(ctx, name);
        return EXIT_OK;
}

static int cmd_create(struct cli *cli, int argc, char **argv)
{
        const struct cli_cmd *cmd = self("create");
        _cleanup_plan_ struct vn_plan *p = NULL;
        _cleanup_net_ struct vn_net *net = NULL;
        struct vn_error err = {0};
        struct vn_net **defs = NULL;
        size_t n_defs = 0;
        struct vn_ctx *ctx;
        bool dry = false;
        char *file;
        int r;

        const struct cli_opt opts[] = {{"--dry-run", false, NULL, &dry}, {0}};
        if ((r = cli_one(cli, cmd, argc, argv, opts, "FILE", &file, &ctx)) != EXIT_OK)
                return r;
        r = vn_net_parse_file(file, &net, &err);
        if (r == 0)
                r = vn_net_check(net, &err);
        if (r < 0)
                return cli_fail(&err, r);
        {
                _cleanup_free_ char *dp = vn_path_def(ctx, net->name);

                if (dp && access(dp, F_OK) == 0)
                        return cli_error("network '%s' is already defined; use `vnet start %s` "
                                         "(create is for transient networks)",
                                         net->name, net->name);
        }
        r = vn_defs_load(ctx, &defs, &n_defs, &(struct vn_error){0});
        if (r == 0)
                r = vn_fill_defaults(ctx, net, defs, n_defs, &err);
        if (r == 0)
                r = vn_net_check_against(net, defs, n_defs, &err);
        vn_defs_free(defs, n_defs);
        if (r < 0)
                return cli_fail(&err, r);
        r = vn_start_net(ctx, net, dry ? VN_START_DRY_RUN : 0, &p, &err);
        if (r < 0)
                return cli_fail(&err, r);
        if (dry)
                return print_plan(cli, p);
        if (!cli->json)
                printf("Network %s created from %s\n", net->name, file);
        return EXIT_OK;
}

/* "NAME | --all": exactly one of them, then the context. */
static int one_or_all(struct cli *cli, const struct cli_cmd *cmd, int argc, char **argv,
                      char **name, bool *all, struct vn_ctx **ctx)
{
        const struct cli_opt opts[] = {{"--all", false, NULL, all}, {0}};
        struct vn_error err = {0};
        char *pos[1] = {NULL};
        int np;

        *all = false;
        np = cli_parse_opts(cmd, argc, argv, opts, pos, 1);
        if (np < 0)
                return EXIT_USAGE;
        if ((np == 1) == *all)
                return cli_usage(cmd, "give one NAME or --all");
        *name = pos[0];
        *ctx = cli_ctx(cli, &err);
        if (!*ctx)
                return cli_fail(&err, -EINVAL);
        return EXIT_OK;
}

/* destroy --all: every running network in one batch (vn_destroy_all) */
static int destroy_all(struct cli *cli, struct vn_ctx *ctx)
{
        struct vn_destroy_result *res = NULL;
        struct vn_error err = {0};
        char **names = NULL;
        size_t n = 0, failed = 0;
        int r;

        /* ports handed to libvirt domains leave the domains first (vn_destroy refuses them) */
        if (vn_running_names(ctx, &names, &n) < 0)
                return cli_error("cannot list running networks under %s", ctx->run_dir);
        for (size_t i = 0; i < n; i++) {
                size_t done = 0;

                if ((r = vn_libvirt_detach_net(ctx, names[i], &done, &err)) < 0) {
                        vn_strv_free(names, n);
                        return cli_fail(&err, r);
                }
                if (done && !cli->json)
                        printf("Detached %zu interface(s) of %s from libvirt domains\n", done,
                               names[i]);
        }
        vn_strv_free(names, n);
        r = vn_destroy_all(ctx, &res, &n, &err);
        if (r < 0 && !res)
                return cli_fail(&err, r);
        if (cli->json)
                printf("[");
        for (size_t i = 0; i < n; i++) {
                if (res[i].r < 0) {
                        failed++;
                        cli_fail(&res[i].err, res[i].r);
                }
                if (cli->json) {
                        printf("%s{\"name\":", i ? "," : "");
                        cli_json_str(stdout, res[i].name);
                        printf(",\"destroyed\":%s}", res[i].r < 0 ? "false" : "true");
                } else if (res[i].r == 0) {
                        printf("Network %s destroyed\n", res[i].name);
                }
        }
        if (cli->json)
                printf("]\n");
        vn_destroy_results_free(res, n);
        return failed ? EXIT_USER : EXIT_OK;
}

static int cmd_destroy(struct cli *cli, int argc, char **argv)
{
        const struct cli_cmd *cmd = self("destroy");
        struct vn_error err = {0};
        size_t n = 0;
        struct vn_ctx *ctx;
        bool all = false, force = false;
        char *pos[1] = {NULL};
        char *name;
        int r;

        const struct cli_opt opts[] = {{"--all", false, NULL, &all},
                                       {"--force", false, NULL, &force},
                                       {0}};
        int np = cli_parse_opts(cmd, argc, argv, opts, pos, 1);

        if (np < 0)
                return EXIT_USAGE;
        if ((np == 1) == all)
                return cli_usage(cmd, "give one NAME or --all");
        if (all && force)
                return cli_usage(cmd, "--force applies to one NAME");
        name = pos[0];
        ctx = cli_ctx(cli, &err);
        if (!ctx)
                return cli_fail(&err, -EINVAL);
        if (all)
                return destroy_all(cli, ctx);
        /* ports handed to libvirt domains leave the domains first (vn_destroy refuses them) */
        if (vn_net_name_valid(name) && (r = vn_libvirt_detach_net(ctx, name, &n, &err)) < 0)
                return cli_fail(&err, r);
        if (n && !cli->json)
                printf("Detached %zu interface(s) from libvirt domains\n", n);
        r = vn_destroy_flags(ctx, name, force ? VN_DESTROY_FORCE : 0, &err);
        if (r < 0)
                return cli_fail(&err, r);
        if (!cli->json)
                printf("Network %s destroyed\n", name);
        return EXIT_OK;
}

static int cmd_plan(struct cli *cli, int argc, char **argv)
{
        const struct cli_cmd *cmd = self("plan");
        _cleanup_plan_ struct vn_plan *p = NULL;
        _cleanup_net_ struct vn_net *net = NULL;
        struct vn_error err = {0};
        struct vn_ctx *ctx;
        struct stat st;
        char *arg;
        int r;

        if ((r = cli_one(cli, cmd, argc, argv, NULL, "FILE or NAME", &arg, &ctx)) != EXIT_OK)
                return r;
        if (stat(arg, &st) == 0 && !S_ISDIR(st.st_mode)) {
                struct vn_net **defs = NULL;
                size_t n_defs = 0;

                r = vn_net_parse_file(arg, &net, &err);
                if (r == 0)
                        r = vn_net_check(net, &err);
                if (r == 0)
                        r = vn_defs_load(ctx, &defs, &n_defs, &(struct vn_error){0});
                if (r == 0)
                        r = vn_fill_defaults(ctx, net, defs, n_defs, &err);
                vn_defs_free(defs, n_defs);
        } else {
                r = vn_get_net(ctx, arg, false, &net, &err);
        }
        if (r == 0)
                r = vn_plan_for(ctx, net, &p, &err);
        if (r < 0)
                return cli_fail(&err, r);
        return print_plan(cli, p);
}

static int cmd_info(struct cli *cli, int argc, char **argv)
{
        const struct cli_cmd *cmd = self("info");
        _cleanup_net_ struct vn_net *net = NULL;
        struct vn_net_info info;
        struct vn_error err = {0};
        struct vn_ctx *ctx;
        char *name, u[37];
        bool persistent, healthy;
        int r;

        if ((r = cli_one(cli, cmd, argc, argv, NULL, "NAME", &name, &ctx)) != EXIT_OK)
                return r;
        r = vn_get_net(ctx, name, false, &net, &err);
        if (r == 0)
                r = vn_info(ctx, name, &info, &err);
        if (r < 0)
                return cli_fail(&err, r);
        {
                _cleanup_free_ char *dp = vn_path_def(ctx, name);

                persistent = dp && access(dp, F_OK) == 0;
        }
        vn_uuid_format(net->uuid, u);
        healthy = info.state == VN_STATE_ACTIVE && (info.bridge_present || !info.bridge[0]) &&
                  (info.fw_present || !info.fw_rules || strcmp(info.fw_backend, "nftables")) &&
                  (info.dnsmasq_healthy || !info.dnsmasq_planned) && !info.n_host_fw_warnings;
        if (cli->json) {
                printf("{\"name\":");
                cli_json_str(stdout, name);
                printf(",\"uuid\":\"%s\",\"state\":\"%s\",\"mode\":\"%s\",\"persistent\":%s,"
                       "\"autostart\":%s,\"bridge\":",
                       u, vn_net_state_name(info.state),
                       vn_fwd_mode_name(net->forward.present ? net->forward.mode : VN_FWD_NONE),
                       persistent ? "true" : "false",
                       vn_autostart_get(ctx, name) ? "true" : "false");
                cli_json_str(stdout, info.bridge);
                printf(
                    ",\"bridge_present\":%s,\"dnsmasq_pid\":%ld,\"dnsmasq_running\":%s,"
                    "\"dnsmasq_healthy\":%s,\"firewall_backend\":\"%s\",\"firewall_rules\":%u,"
                    "\"firewall_present\":%s",
                    info.bridge_present ? "true" : "false", (long)info.dnsmasq_pid,
                    info.dnsmasq_running ? "true" : "false",
                    info.dnsmasq_healthy ? "true" : "false", info.fw_backend, info.fw_rules,
                    info.fw_present ? "true" : "false");
                printf(",\"dnsmasq_problem\":");
                cli_json_str(stdout, info.dnsmasq_problem);
                printf(",\"dnsmasq_user\":");
                cli_json_str(stdout, info.dnsmasq_user);
                printf(",\"dnsmasq_static_hosts\":%u,\"dnsmasq_dns_hosts\":%u",
                       info.dnsmasq_static_hosts, info.dnsmasq_dns_hosts);
                printf(",\"healthy\":%s,\"host_firewall_ok\":%s,\"warnings\":[",
                       healthy ? "true" : "false", info.n_host_fw_warnings ? "false" : "true");
                for (unsigned i = 0; i < info.n_host_fw_warnings; i++) {
                        if (i)
                                putchar(',');
                        cli_json_str(stdout, info.host_fw_warnings[i]);
                }
                printf("]}\n");
                return EXIT_OK;
        }
        printf("%-16s%s\n", "Name:", name);
        printf("%-16s%s\n", "UUID:", u);
        printf("%-16s%s\n", "State:", vn_net_state_name(info.state));
        printf("%-16s%s\n",
               "Mode:", vn_fwd_mode_name(net->forward.present ? net->forward.mode : VN_FWD_NONE));
        printf("%-16s%s\n", "Persistent:", persistent ? "yes" : "no");
        printf("%-16s%s\n", "Autostart:", vn_autostart_get(ctx, name) ? "yes" : "no");
        printf("%-16s%s\n", "Bridge:", info.bridge[0] ? info.bridge : "-");
        printf("%-16s%s, %u rules\n", "Firewall:", info.fw_backend, info.fw_rules);
        if (info.state != VN_STATE_INACTIVE) {
                printf("%-16s%s\n", "Bridge up:", info.bridge_present ? "yes" : "MISSING");
                if (info.fw_rules)
                        printf("%-16s%s\n", "Rules in place:", info.fw_present ? "yes" : "MISSING");
                if (info.dnsmasq_planned) {
                        if (!info.dnsmasq_running)
                                printf("%-16sNOT RUNNING (pid file: %ld)\n", "dnsmasq:",
                                       (long)info.dnsmasq_pid);
                        else if (info.dnsmasq_healthy)
                                printf("%-16srunning (pid %ld, user %s), serving %u static "
                                       "host(s), %u DNS name line(s)\n",
                                       "dnsmasq:", (long)info.dnsmasq_pid, info.dnsmasq_user,
                                       info.dnsmasq_static_hosts, info.dnsmasq_dns_hosts);
                        else
                                printf("%-16sNOT HEALTHY (pid %ld): %s\n", "dnsmasq:",
                                       (long)info.dnsmasq_pid, info.dnsmasq_problem);
                }
                printf("%-16s%s\n", "Host firewall:",
                       info.n_host_fw_warnings ? "BLOCKS this network (see below)" : "ok");
                printf("%-16s%s\n", "Healthy:", healthy ? "yes" : "NO");
                for (unsigned i = 0; i < info.n_host_fw_warnings; i++)
                        printf("warning: %s\n", info.host_fw_warnings[i]);
        }
        return EXIT_OK;
}

static int cmd_dhcp_leases(struct cli *cli, int argc, char **argv)
{
        const struct cli_cmd *cmd = self("dhcp-leases");
        struct vn_lease_info *l = NULL;
        struct vn_error err = {0};
        struct vn_ctx *ctx;
        char *name;
        size_t n = 0;
        int r;

        if ((r = cli_one(cli, cmd, argc, argv, NULL, "NAME", &name, &ctx)) != EXIT_OK)
                return r;
        r = vn_dhcp_leases(ctx, name, &l, &n, &err);
        if (r < 0)
                return cli_fail(&err, r);
        if (cli->json)
                printf("[");
        else
                printf(" %-19s   %-17s   %-8s   %-22s   %-16s   %s\n%s\n", "Expiry Time",
                       "MAC address", "Protocol", "IP address", "Hostname", "Client ID or DUID",
                       "--------------------------------------------------------------------"
                       "--------------------------------");
        for (size_t i = 0; i < n; i++) {
                char when[32] = "never";
                time_t t = (time_t)l[i].expiry;
                bool v6 = strchr(l[i].ip, ':') != NULL;

                if (t) {
                        struct tm tm;

                        localtime_r(&t, &tm);
                        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
                }
                if (cli->json) {
                        printf("%s{\"expiry\":%lld,\"mac\":", i ? "," : "", l[i].expiry);
                        cli_json_str(stdout, l[i].mac);
                        printf(",\"type\":\"%s\",\"ip\":", v6 ? "ipv6" : "ipv4");
                        cli_json_str(stdout, l[i].ip);
                        printf(",\"hostname\":");
                        cli_json_str(stdout, l[i].hostname);
                        printf(",\"clientid\":");
                        cli_json_str(stdout, l[i].client_id);
                        printf("}");
                } else {
                        printf(" %-19s   %-17s   %-8s   %-22s   %-16s   %s\n", when,
                               l[i].mac[0] ? l[i].mac : "-", v6 ? "ipv6" : "ipv4", l[i].ip,
                               l[i].hostname[0] ? l[i].hostname : "-",
                               l[i].client_id[0] ? l[i].client_id : "-");
                }
        }
        printf(cli->json ? "]\n" : "\n");
        free(l);
        return EXIT_OK;
}

static int cmd_autostart_all(struct cli *cli, int argc, char **argv)
{
        const struct cli_cmd *cmd = self("autostart-all");
        struct vn_net_status *l = NULL;
        struct vn_error err = {0};
        struct vn_ctx *ctx;
        size_t n = 0;
        int r, failed = 0, started = 0;

        if (cli_parse_opts(cmd, argc, argv, NULL, NULL, 0) < 0)
                return EXIT_USAGE;
        ctx = cli_ctx(cli, &err);
        if (!ctx)
                return cli_fail(&err, -EINVAL);
        r = vn_list(ctx, &l, &n, &err);
        if (r < 0)
                return cli_fail(&err, r);
        for (size_t i = 0; i < n; i++) {
                struct vn_error e = {0};

                if (!l[i].autostart || l[i].state == VN_STATE_ACTIVE)
                        continue;
                r = vn_start(ctx, l[i].name, 0, NULL, &e);
                if (r < 0) {
                        cli_fail(&e, r);
                        failed++;
                } else {
                        started++;
                        if (!cli->json)
                                printf("Network %s started\n", l[i].name);
                }
        }
        vn_list_free(l, n);
        if (cli->json)
                printf("{\"started\":%d,\"failed\":%d}\n", started, failed);
        return failed ? EXIT_USER : EXIT_OK;
}

static int cmd_reconcile(struct cli *cli, int argc, char **argv)
{
        const struct cli_cmd *cmd = self("reconcile");
        struct vn_ctx *ctx;
        bool all = false;
        char *name = NULL;
        char **names = NULL;
        size_t n = 0;
        int r, failed = 0, repaired = 0;

        if ((r = one_or_all(cli, cmd, argc, argv, &name, &all, &ctx)) != EXIT_OK)
                return r;
        if (all) {
                if (vn_running_names(ctx, &names, &n) < 0)
                        return cli_error("cannot list running networks under %s", ctx->run_dir);
        } else {
                names = calloc(1, sizeof(*names));
                if (!names || !(names[0] = strdup(name)))
                        return cli_error("out of memory");
                n = 1;
        }
        if (cli->json)
                printf("[");
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *report = NULL;
                struct vn_error e = {0};

                r = vn_reconcile(ctx, names[i], &report, &e);
                if (r < 0) {
                        cli_fail(&e, r);
                        failed++;
                        continue;
                }
                if (*report)
                        repaired++;
                if (cli->json) {
                        printf("%s{\"name\":", i ? "," : "");
                        cli_json_str(stdout, names[i]);
                        printf(",\"repairs\":");
                        cli_json_str(stdout, report);
                        printf("}");
                } else if (*report) {
                        fputs(report, stdout);
                } else {
                        printf("%s: in order\n", names[i]);
                }
        }
        if (cli->json)
                printf("]\n");
        vn_strv_free(names, n);
        return failed ? EXIT_USER : EXIT_OK;
}

static volatile sig_atomic_t watch_stop;

static void watch_signal(int sig)
{
        (void)sig;
        watch_stop = 1;
}

static void watch_report(const char *line, void *data)
{
        struct cli *cli = data;
        char ts[32];
        time_t t = time(NULL);
        struct tm tm;

        strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
        if (cli->json) {
                printf("{\"time\":\"%s\",\"event\":", ts);
                cli_json_str(stdout, line);
                printf("}\n");
        } else {
                printf("%s %s\n", ts, line);
        }
        fflush(stdout);
}

static int cmd_watch(struct cli *cli, int argc, char **argv)
{
        const struct cli_cmd *cmd = self("watch");
        struct vn_watch_opts o = {.report = watch_report, .data = cli, .stop = &watch_stop};
        struct sigaction sa = {.sa_handler = watch_signal};
        struct vn_error err = {0};
        const char *interval = NULL, *debounce = NULL;
        struct vn_ctx *ctx;
        char *pos[1];
        int np, r;

        const struct cli_opt opts[] = {
            {"--interval", true, &interval, NULL}, {"--debounce", true, &debounce, NULL}, {0}};
        np = cli_parse_opts(cmd, argc, argv, opts, pos, 0);
        if (np < 0)
                return EXIT_USAGE;
        o.interval_ms = 10000;
        if (interval) {
                char *end;
                double v = strtod(interval, &end);

                if (*end || end == interval || v < 0 || v > 86400)
                        return cli_usage(cmd, "--interval: seconds (0 to 86400, 0: off)");
                o.interval_ms = (unsigned)(v * 1000);
        }
        if (debounce) {
                char *end;
                long v = strtol(debounce, &end, 10);

                if (*end || end == debounce || v < 1 || v > 300)
                        return cli_usage(cmd, "--debounce: milliseconds (1 to 300)");
                o.debounce_ms = (unsigned)v;
        }
        ctx = cli_ctx(cli, &err);
        if (!ctx)
                return cli_fail(&err, -EINVAL);
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
        if (!cli->json) {
                printf("vnet watch: watching the networks under %s (pid %ld)\n", ctx->run_dir,
                       (long)getpid());
                fflush(stdout);
        }
        r = vn_watch(ctx, &o, &err);
        if (r < 0)
                return cli_fail(&err, r);
        return EXIT_OK;
}

const struct cli_cmd cli_run_cmds[] = {
    {"start", cmd_start, "[--dry-run] NAME", "start a defined network",
     "Creates the network NAME on this host: for nat, route, open and isolated\n"
     "networks a bridge with its addresses and routes (netlink), the sysctls the\n"
     "mode needs, the firewall rules (one nftables transaction in vnet's own table)\n"
     "and a dnsmasq for DHCP/DNS. Every object is journaled under\n"
     "ROOT/run/vnet/NAME before it is created; a failure at any step rolls back\n"
     "everything and names the step. A start that died (crash, kill -9) is cleaned\n"
     "up by the next start or by `vnet destroy`.\n"
     "\n"
     "Options:\n"
     "  --dry-run   print what would be done (as `vnet plan`) and touch nothing\n"},
    {"create", cmd_create, "[--dry-run] FILE", "start a transient network from XML",
     "Starts the network of FILE without a persistent definition: it disappears\n"
     "from `vnet list --all` when destroyed.\n"},
    {"destroy", cmd_destroy, "[--force] NAME | --all", "stop a network and remove all it created",
     "Undoes the journal of NAME: stops its dnsmasq (only the process vnet started),\n"
     "removes its firewall rules (one transaction), and deletes its bridge (only if\n"
     "it is still the bridge vnet created). Works after a crash; on a network that\n"
     "is not active it reports so and exits 1. Ports that `vnet attach` handed to\n"
     "libvirt domains are detached from their domains first (as `vnet detach`); when\n"
     "that fails, destroy stops and names them.\n"
     "\n"
     "With --all, every running network (and every one a crash left halfway) goes\n"
     "in one batch: all of their firewall rules in one nftables transaction, all of\n"
     "their bridges with one link-group delete, all dnsmasqs signalled at once, each\n"
     "network locked throughout. Each network's journal stays until all of it is\n"
     "undone, so a crash in the middle leaves state that the next destroy cleans up.\n"
     "Prints one line per network (--json: [{\"name\",\"destroyed\"}]); exits 1 when\n"
     "any network could not be destroyed, naming what is left.\n"
     "\n"
     "A journal that is missing, empty, cut inside a line, holds a NUL or control\n"
     "byte or exceeds 16 MiB is not trusted: what it still says is undone, and the\n"
     "rest is derived from the network's definition (the bridge by name and vnet's\n"
     "MAC, the network's chains and map elements, dnsmasq by its configuration\n"
     "file); destroy succeeds only when none of it is left, and otherwise names\n"
     "what remains.\n"
     "\n"
     "  --force   skip journal entries no undo understands (an unknown kind, too few\n"
     "            arguments) instead of failing on them; with an unusable journal and\n"
     "            no definition left, undo what the journal still says and forget\n"
     "            the rest\n"},
    {"plan", cmd_plan, "FILE|NAME", "print what start would do, touching nothing",
     "Prints, in a stable order fit for review, the links, sysctls, addresses,\n"
     "routes, the exact firewall transaction (and its removal), and the dnsmasq\n"
     "configuration that start would apply. With --json, a JSON object.\n"},
    {"info", cmd_info, "NAME", "show a network's state and health",
     "Shows NAME's UUID, state, mode, bridge, firewall and dnsmasq, and for a running\n"
     "network whether each of them is actually in place.\n"},
    {"dhcp-leases", cmd_dhcp_leases, "NAME", "list the DHCP leases of a network",
     "Lists the leases dnsmasq granted on NAME, as `virsh net-dhcp-leases`.\n"},
    {"reconcile", cmd_reconcile, "NAME | --all", "repair a running network that drifted",
     "Compares a running network with what start made and repairs the difference:\n"
     "firewall rules someone flushed are re-applied (one transaction), the bridge's\n"
     "addresses are re-added and the bridge set up, the tagged iptables accepts are\n"
     "re-added where FORWARD or INPUT now has policy DROP (a host firewall reload),\n"
     "a dnsmasq that died is restarted, a missing bridge restarts the network, and a\n"
     "start that died halfway is cleaned up. Prints each repair, or 'in order'.\n"},
    {"watch", cmd_watch, "[--interval SECONDS] [--debounce MS]",
     "repair running networks as soon as the host changes under them",
     "Runs in the foreground (vnet-watch.service runs it) and keeps every running\n"
     "network under the root as start made it. It listens for nftables ruleset\n"
     "changes (nfnetlink: `nft flush ruleset`, `systemctl restart nftables`, a\n"
     "firewall reload), link and address changes (rtnetlink) and the exit of a\n"
     "network's dnsmasq (pidfd), and then runs for each running network what\n"
     "`vnet reconcile` runs. Events are debounced: a pass runs MS milliseconds\n"
     "after the last event of a burst (default 100) and at most 3*MS after its\n"
     "first, so a restored guest connection needs well under a second. A pass also\n"
     "runs at start and every --interval seconds (default 10, 0: off) for what no\n"
     "event reports. Each repair is printed as one line with a UTC timestamp\n"
     "(--json: one {\"time\",\"event\"} object per line). SIGTERM, SIGINT or SIGHUP\n"
     "stop it; a repair it interrupts is finished first.\n"
     "\n"
     "Options:\n"
     "  --interval SECONDS  periodic pass (default 10; 0: only on events)\n"
     "  --debounce MS       quiet time after an event before the pass (default 100)\n"},
    {"autostart-all", cmd_autostart_all, "", "start every network marked autostart",
     "What the boot-time service runs. Starts each autostart network that is not\n"
     "active; one failure does not stop the others (exit 1 if any failed).\n"},
    {0},
};
