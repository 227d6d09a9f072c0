/*
 * apply.c: run a plan against the kernel as a table of steps, journaling
 * every object before it is created; undo a journal through a table of undo
 * kinds (rollback, destroy, destroy after a crash).
 *
 * Features (overlay, ports) are not called by name: they register a struct
 * vn_feature (engine.h), whose apply steps run at the "features" step and
 * whose journal kinds join the undo table. A kind found in no table makes the
 * undo fail with its name: a mistyped or unknown kind must not leak its
 * object silently.
 */
#include "config.h"

#include "engine.h"

#include "dnsmasq.h"
#include "fault.h"
#include "fw.h"
#include "journal.h"
#include "link.h"

#include <dirent.h>
#include <pthread.h>
#include <pwd.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

/* iptables removal: one command per line ("TABLE<TAB>ARG<TAB>..."), each run on its own so that
 * what is already gone does not stop the rest. */
static int ipt_remove(char *lines, bool v6)
{
        char *save = NULL;

        for (char *l = strtok_r(lines, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                const char *argv[40];
                char *s2 = NULL;
                size_t n = 0;
                char *table = strtok_r(l, "\t", &s2);

                if (!table)
                        continue;
                argv[n++] = "-t";
                argv[n++] = table;
                for (char *w = strtok_r(NULL, "\t", &s2); w && n + 1 < VN_ARRAY_SIZE(argv);
                     w = strtok_r(NULL, "\t", &s2))
                        argv[n++] = w;
                argv[n] = NULL;
                vn_ipt_exec(v6, argv, NULL); /* non-zero: already gone */
        }
        return 0;
}

/* ---- undo ---------------------------------------------------------------- */

static int undo_bridge(struct vn_ctx *ctx, struct vn_nl *nl, const struct vn_journal_entry *e,
                       struct vn_error *err)
{
        struct vn_link_info li;
        uint8_t mac[6];
        int r;

        (void)ctx;
        r = vn_link_get(nl, e->args[0], &li, err);
        if (r == -ENODEV)
                return 0;
        if (r < 0)
                return r;
        /* Only delete what is recognisably ours: a bridge with the MAC we gave it. */
        if (strcmp(li.kind, "bridge") != 0 || vn_mac_parse(e->args[1], mac) < 0 ||
            memcmp(mac, li.mac, 6) != 0)
                return vn_err(err, -EEXIST,
                              "link '%s' is not the bridge vnet created (kind %s); "
                              "leaving it alone",
                              e->args[0], li.kind);
        r = vn_link_delete(nl, e->args[0], err);
        return r == -ENODEV ? 0 : r;
}

/* "addr LINK ADDR/PFX" and "route LINK DST/PFX GW|- METRIC" */
static int undo_addr_route(struct vn_ctx *ctx, struct vn_nl *nl, const struct vn_journal_entry *e,
                           struct vn_error *err)
{
        struct vn_addr a = {0}, gw = {0};
        char buf[VN_ADDR_STRLEN + 8], *slash;
        unsigned pfx = 0;
        int r;

        (void)ctx;
        snprintf(buf, sizeof(buf), "%s", e->args[1]);
        slash = strchr(buf, '/');
        if (slash) {
                *slash = '\0';
                pfx = (unsigned)atoi(slash + 1);
        }
        if (vn_addr_parse(buf, &a) < 0)
                return vn_err(err, -EBADMSG, "journal: bad address '%s'", e->args[1]);
        if (vn_link_index(nl, e->args[0]) < 0)
                return 0; /* went with its link */
        if (e->kind[0] == 'a') {
                r = vn_ifaddr_del(nl, e->args[0], &a, pfx, err);
        } else {
                if (e->n_args >= 3 && strcmp(e->args[2], "-") != 0)
                        vn_addr_parse(e->args[2], &gw);
                r = vn_route_del(nl, e->args[0], &a, pfx, &gw,
                                 e->n_args >= 4 ? (unsigned)atoi(e->args[3]) : 0, err);
        }
        if (r == -EADDRNOTAVAIL || r == -ENOENT || r == -ESRCH || r == -ENODEV)
                r = 0;
        return r;
}

/* "nft FILE" / "ipt FILE 4|6": replay the removal file written before the rules went in */
static int undo_fw(struct vn_ctx *ctx, struct vn_nl *nl, const struct vn_journal_entry *e,
                   struct vn_error *err)
{
        _cleanup_free_ char *batch = NULL;
        int r;

        (void)nl;
        r = vn_read_file(e->args[0], 4u << 20, &batch, NULL);
        if (r == -ENOENT)
                return 0; /* the apply never got as far as writing it */
        if (r < 0)
                return vn_err(err, r, "cannot read '%s': %s", e->args[0], strerror(-r));
        if (e->kind[0] == 'n')
                return vn_fw_submit(ctx, batch, err);
        return ipt_remove(batch, e->n_args >= 2 && strcmp(e->args[1], "6") == 0);
}

/* "compat -I ARGS...": the iptables accept recorded as its insertion; delete exactly it */
static int undo_compat(struct vn_ctx *ctx, struct vn_nl *nl, const struct vn_journal_entry *e,
                       struct vn_error *err)
{
        const char *argv[32];
        size_t n = 0;

        (void)ctx, (void)nl, (void)err;
        for (size_t i = 0; i < e->n_args && n + 2 < VN_ARRAY_SIZE(argv); i++)
                argv[n++] = e->args[i];
        argv[n] = NULL;
        argv[0] = "-D";
        (void)vn_ipt_exec(false, argv, NULL); /* 1 = already gone */
        return 0;
}

/* dnsmasq's identity (pid, start time, uid) in root's own file beside its pid file: dnsmasq's
 * pid file belongs to the user dnsmasq drops to, so it is never trusted for a signal. */
static char *dnsmasq_id_path(const char *pid_path)
{
        const char *slash = strrchr(pid_path, '/');

        if (!slash)
                return NULL;
        return vn_asprintf("%.*s/dnsmasq.id", (int)(slash - pid_path), pid_path);
}

/* The uid and gid of the user dnsmasq runs as. */
static int dnsmasq_user_ids(uid_t *uid, gid_t *gid, struct vn_error *err)
{
        const char *user = vn_dnsmasq_user();
        struct passwd *pw = getpwnam(user);

        if (!pw)
                return vn_err(err, -ENOENT,
                              "dnsmasq's user '%s' does not exist: create it (adduser --system "
                              "--no-create-home %s, as Debian's dnsmasq package does) or build "
                              "vnet --with-dnsmasq-user=USER",
                              user, user);
        if (pw->pw_uid == 0)
                return vn_err(err, -EINVAL, "dnsmasq's user '%s' is root: it must be a "
                                            "dedicated unprivileged user", user);
        *uid = pw->pw_uid;
        *gid = pw->pw_gid;
        return 0;
}

/* The dnsmasq of a plan, as recorded at start and still alive; false when none runs. */
bool vn_engine_dnsmasq_running(const struct vn_plan *p, struct vn_dnsmasq_id *id)
{
        _cleanup_free_ char *idp = p->dnsmasq ? dnsmasq_id_path(p->dnsmasq_pid_path) : NULL;

        memset(id, 0, sizeof(*id));
        if (!idp || vn_dnsmasq_id_load(idp, id) < 0)
                return false;
        return vn_dnsmasq_alive(id, p->dnsmasq_conf_path);
}

/* "dnsmasq PIDFILE CONF" */
static int undo_dnsmasq(struct vn_ctx *ctx, struct vn_nl *nl, const struct vn_journal_entry *e,
                        struct vn_error *err)
{
        _cleanup_free_ char *idp = dnsmasq_id_path(e->args[0]);
        struct vn_dnsmasq_id id = {0};
        pid_t pid;

        (void)ctx, (void)nl;
        if (!idp)
                return vn_err(err, -EBADMSG, "journal: bad dnsmasq pid file '%s'", e->args[0]);
        if (vn_dnsmasq_id_load(idp, &id) == 0)
                return vn_dnsmasq_stop(&id, e->args[1], err);
        /* killed between starting dnsmasq and recording it: the pid file is all there is, so
         * the process must also run as dnsmasq's user, not just be the dnsmasq binary with
         * our configuration */
        pid = vn_dnsmasq_read_pid(e->args[0]);
        if (pid > 0 && vn_dnsmasq_identify(pid, e->args[1], &id)) {
                uid_t uid;
                gid_t gid;
                struct vn_error ignore = {0};

                if (dnsmasq_user_ids(&uid, &gid, &ignore) == 0 && id.uid == uid)
                        return vn_dnsmasq_stop(&id, e->args[1], err);
        }
        return 0;
}

/* The engine's own journal kinds; features add theirs with vn_engine_register(). */
static const struct vn_undo_kind builtin_undo[] = {
    {"bridge", 2, undo_bridge},   {"addr", 2, undo_addr_route}, {"route", 2, undo_addr_route},
    {"nft", 1, undo_fw},          {"ipt", 1, undo_fw},          {"compat", 1, undo_compat},
    {"dnsmasq", 2, undo_dnsmasq},
};

#define MAX_FEATURES 8
static const struct vn_feature *features[MAX_FEATURES];
static size_t n_features;
static pthread_mutex_t features_mu = PTHREAD_MUTEX_INITIALIZER;

static const struct vn_undo_kind *undo_kind_locked(const char *kind)
{
        for (size_t i = 0; i < VN_ARRAY_SIZE(builtin_undo); i++)
                if (strcmp(builtin_undo[i].kind, kind) == 0)
                        return &builtin_undo[i];
        for (size_t f = 0; f < n_features; f++)
                for (size_t i = 0; i < features[f]->n_undo; i++)
                        if (strcmp(features[f]->undo[i].kind, kind) == 0)
                                return &features[f]->undo[i];
        return NULL;
}

const struct vn_undo_kind *vn_engine_undo_kind(const char *kind)
{
        const struct vn_undo_kind *k;

        pthread_mutex_lock(&features_mu);
        k = undo_kind_locked(kind);
        pthread_mutex_unlock(&features_mu);
        return k;
}

int vn_engine_register(const struct vn_feature *f)
{
        int r = 0;

        pthread_mutex_lock(&features_mu);
        for (size_t i = 0; i < n_features; i++)
                if (features[i] == f)
                        goto out;
        for (size_t i = 0; i < f->n_undo; i++)
                if (undo_kind_locked(f->undo[i].kind)) {
                        r = -EEXIST;
                        goto out;
                }
        if (n_features == MAX_FEATURES) {
                r = -ENOSPC;
                goto out;
        }
        features[n_features++] = f;
out:
        pthread_mutex_unlock(&features_mu);
        return r;
}

/* The registered features, in registration order (registration only ever appends). */
static size_t features_snapshot(const struct vn_feature **out)
{
        size_t n;

        pthread_mutex_lock(&features_mu);
        n = n_features;
        memcpy(out, features, n * sizeof(*out));
        pthread_mutex_unlock(&features_mu);
        return n;
}

static int undo_entry(struct vn_ctx *ctx, struct vn_nl *nl, const struct vn_journal_entry *e,
                      struct vn_error *err)
{
        const struct vn_undo_kind *k = vn_engine_undo_kind(e->kind);
        struct vn_error e2 = {0};
        char step[64];
        int r;

        vn_ctx_log(ctx, "undo %s %s", e->kind, e->n_args ? e->args[0] : "");
        snprintf(step, sizeof(step), "undo:%s", e->kind);
        r = vn_fault_point(step); /* tests: a rollback or destroy that fails */
        if (r < 0)
                return vn_err(err, r, "undo %s %s: injected fault: %s", e->kind,
                              e->n_args ? e->args[0] : "", strerror(-r));
        if (!k)
                return vn_err(err, -EBADMSG,
                              "undo: journal kind '%s' (%s) is unknown: nothing undone for it",
                              e->kind, e->n_args ? e->args[0] : "no arguments");
        if (e->n_args < k->min_args)
                return vn_err(err, -EBADMSG,
                              "undo: journal entry '%s' has %zu argument(s), needs %zu: nothing "
                              "undone for it",
                              e->kind, e->n_args, k->min_args);
        r = k->undo(ctx, nl, e, &e2);
        if (r < 0)
                return vn_err(err, r, "undo %s %s: %s", e->kind, e->n_args ? e->args[0] : "",
                              e2.msg[0] ? e2.msg : strerror(-r));
        return 0;
}

struct undo_job {
        struct vn_ctx *ctx;
        const struct vn_journal_entry *e;
        struct vn_error err;
        int r;
};

static void *undo_thread(void *arg)
{
        struct undo_job *job = arg;

        job->r = undo_entry(job->ctx, NULL, job->e, &job->err);
        return NULL;
}

/* Walk the journal backwards. Keeps the first error, but tries every step.
 * Removing firewall rules and deleting the bridge each wait for a kernel RCU grace period
 * (~15-40 ms) and do not depend on each other, so the nft removal runs in a thread while
 * the links are undone. */
int vn_engine_undo_journal(struct vn_ctx *ctx, struct vn_nl *nl, struct vn_journal *j,
                           unsigned flags, struct vn_error *err)
{
        struct undo_job job = {.ctx = ctx};
        pthread_t tid;
        bool threaded = false;
        int first = 0;

        for (size_t i = j->n; i-- > 0;) {
                const struct vn_undo_kind *k = vn_engine_undo_kind(j->e[i].kind);
                int r;

                if ((flags & VN_DESTROY_FORCE) && (!k || j->e[i].n_args < k->min_args)) {
                        vn_ctx_log(ctx, "destroy --force: skipping journal entry '%s' (%s)",
                                   j->e[i].kind, k ? "too few arguments" : "unknown kind");
                        continue;
                }

                if (!threaded && strcmp(j->e[i].kind, "nft") == 0) {
                        job.e = &j->e[i];
                        if (pthread_create(&tid, NULL, undo_thread, &job) == 0) {
                                threaded = true;
                                continue;
                        }
                }
                r = undo_entry(ctx, nl, &j->e[i], err);
                if (r < 0 && first == 0)
                        first = r;
        }
        if (threaded) {
                pthread_join(tid, NULL);
                if (job.r < 0) {
                        vn_err(err, job.r, "%s", job.err.msg);
                        if (first == 0)
                                first = job.r;
                }
        }
        return first;
}

/* Remove a network's state directory ROOT/run/vnet/NAME and what is in it, without following
 * a symbolic link anywhere: a link planted there is removed, never what it points to. */
static int rm_run_dir(struct vn_ctx *ctx, const char *name)
{
        _cleanup_close_ int pfd = -1;
        struct vn_error ignore = {0};

        pfd = vn_dir_open(ctx->run_dir, false, 0, &ignore);
        if (pfd == -ENOENT)
                return 0;
        if (pfd < 0)
                return pfd;
        return vn_rm_tree_at(pfd, name);
}

/* ---- start ---------------------------------------------------------------- */

struct run {
        struct vn_ctx *ctx;
        struct vn_nl *nl;
        struct vn_journal *j;
        const struct vn_plan *p;
        char *dir;
};

#define STEP(run, name)                                                                            \
        do {                                                                                       \
                int _f = vn_fault_point(name);                                                     \
                vn_ctx_log((run)->ctx, "step %s", name);                                           \
                if (_f < 0)                                                                        \
                        return vn_err(err, _f, "step %s: injected fault: %s", name,                \
                                      strerror(-_f));                                              \
        } while (0)

/* Is iptables' filter CHAIN (FORWARD, INPUT) there with policy DROP? Read through nft, which
 * sees iptables-nft's tables; a host without them (or with iptables-legacy) answers no. */
static bool ipt_chain_drops(const char *chain)
{
        _cleanup_free_ char *out = NULL, *cmd = vn_asprintf("list chain ip filter %s", chain);
        struct vn_error ignore = {0};

        if (!cmd || vn_nft_query(cmd, &out, &ignore) < 0 || !out)
                return false;
        return strstr(out, "policy drop;") != NULL;
}

/* A compat line is "-I<TAB>CHAIN<TAB>...": its chain. */
static void compat_chain(const char *line, char *chain, size_t len)
{
        const char *s = strchr(line, '\t');
        size_t n;

        chain[0] = '\0';
        if (!s)
                return;
        s++;
        n = strcspn(s, "\t");
        if (n >= len)
                n = len - 1;
        memcpy(chain, s, n);
        chain[n] = '\0';
}

static int write_state_file(struct run *R, const char *file, const char *data, struct vn_error *err)
{
        _cleanup_free_ char *path = vn_asprintf("%s/%s", R->dir, file);
        int r;

        if (!path)
                return vn_err(err, -ENOMEM, "out of memory");
        r = vn_write_file_atomic(path, data, strlen(data), 0644);
        if (r < 0)
                return vn_err(err, r, "cannot write '%s': %s", path, strerror(-r));
        return 0;
}

static int precheck(struct run *R, struct vn_error *err)
{
        const struct vn_plan *p = R->p;
        char owner[16], a[VN_ADDR_STRLEN];
        int r;

        for (size_t i = 0; i < p->n_check_devs; i++) {
                if (vn_link_index(R->nl, p->check_devs[i]) < 0)
                        return vn_err(err, -ENODEV,
                                      "network '%s': host interface '%s' does not exist (create "
                                      "it first, or fix the definition)",
                                      p->name, p->check_devs[i]);
        }
        if (p->mode == VN_FWD_BRIDGE && p->bridge[0]) {
                struct vn_link_info li;
                struct vn_error e2 = {0};

                if (vn_link_get(R->nl, p->bridge, &li, &e2) == 0 && strcmp(li.kind, "bridge"))
                        return vn_err(err, -EINVAL,
                                      "network '%s': '%s' exists but is not a bridge (kind '%s')",
                                      p->name, p->bridge, li.kind);
        }
        if (!p->create_bridge)
                return 0;
        if (vn_link_index(R->nl, p->bridge) > 0)
                return vn_err(err, -EEXIST,
                              "network '%s': bridge name '%s' is already used by an existing "
                              "interface (choose another <bridge name>)",
                              p->name, p->bridge);
        for (size_t i = 0; i < p->n_addrs; i++) {
                r = vn_ifaddr_find_overlap(R->nl, &p->addrs[i].addr, p->addrs[i].prefix, owner,
                                           err);
                if (r < 0)
                        return r;
                if (r > 0)
                        return vn_err(err, -EADDRINUSE,
                                      "network '%s': subnet of %s/%u collides with an address "
                                      "already on interface '%s'",
                                      p->name, vn_addr_format(&p->addrs[i].addr, a),
                                      p->addrs[i].prefix, owner);
        }
        return 0;
}

static int do_bridge(struct run *R, struct vn_error *err)
{
        const struct vn_plan *p = R->p;
        struct vn_bridge_spec spec = {
            .name = p->bridge,
            .mac = p->mac,
            .mtu = p->mtu,
            .stp = p->stp,
            .forward_delay_cs = p->delay_cs,
            .no_mac_learning = p->no_learning,
        };
        char m[VN_MAC_STRLEN];
        int r;

        STEP(R, "bridge");
        r = vn_journal_add(R->j, "bridge", p->bridge, vn_mac_format(p->mac, m), NULL);
        if (r < 0)
                return vn_err(err, r, "journal: %s", strerror(-r));
        r = vn_bridge_create(R->nl, &spec, err);
        if (r < 0) {
                vn_journal_drop_last(R->j); /* not ours: never delete it on rollback */
                return r;
        }
        return 0;
}

static int do_sysctls(struct run *R, bool bridge_specific, struct vn_error *err)
{
        const struct vn_plan *p = R->p;

        for (size_t i = 0; i < p->n_sysctls; i++) {
                bool is_br = strstr(p->sysctls[i].key, p->bridge) != NULL && p->bridge[0];
                char step[128], cur[32];
                int r;

                if (is_br != bridge_specific)
                        continue;
                snprintf(step, sizeof(step), "sysctl:%s", p->sysctls[i].key);
                STEP(R, step);
                /* no undo: bridge sysctls go with the bridge; forwarding stays on, as libvirt */
                if (vn_sysctl_read(p->sysctls[i].key, cur, sizeof(cur)) == 0 &&
                    strcmp(cur, p->sysctls[i].value) == 0)
                        continue;
                r = vn_sysctl_write(p->sysctls[i].key, p->sysctls[i].value, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int do_addrs(struct run *R, struct vn_error *err)
{
        const struct vn_plan *p = R->p;
        char a[VN_ADDR_STRLEN], s[VN_ADDR_STRLEN + 8], step[96];
        int r;

        for (size_t i = 0; i < p->n_addrs; i++) {
                snprintf(s, sizeof(s), "%s/%u", vn_addr_format(&p->addrs[i].addr, a),
                         p->addrs[i].prefix);
                snprintf(step, sizeof(step), "addr:%s", s);
                STEP(R, step);
                r = vn_journal_add(R->j, "addr", p->bridge, s, NULL);
                if (r < 0)
                        return vn_err(err, r, "journal: %s", strerror(-r));
                r = vn_ifaddr_add(R->nl, p->bridge, &p->addrs[i].addr, p->addrs[i].prefix,
                                  p->addrs[i].addr.family == AF_INET6, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int do_routes(struct run *R, struct vn_error *err)
{
        const struct vn_plan *p = R->p;
        char a[VN_ADDR_STRLEN], g[VN_ADDR_STRLEN], s[VN_ADDR_STRLEN + 8], m[16], step[96];
        int r;

        for (size_t i = 0; i < p->n_routes; i++) {
                const struct vn_plan_route *rt = &p->routes[i];

                snprintf(s, sizeof(s), "%s/%u", vn_addr_format(&rt->dst, a), rt->prefix);
                snprintf(m, sizeof(m), "%u", rt->metric);
                snprintf(step, sizeof(step), "route:%s", s);
                STEP(R, step);
                r = vn_journal_add(R->j, "route", p->bridge, s,
                                   vn_addr_is_set(&rt->gw) ? vn_addr_format(&rt->gw, g) : "-", m,
                                   NULL);
                if (r < 0)
                        return vn_err(err, r, "journal: %s", strerror(-r));
                r = vn_route_add(R->nl, p->bridge, &rt->dst, rt->prefix, &rt->gw, rt->metric, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int journal_add_words(struct vn_journal *j, const char *kind, const char *tabbed)
{
        _cleanup_free_ char *line = strdup(tabbed);
        const char *w[32] = {0};
        char *save = NULL;
        size_t n = 0;

        if (!line)
                return -ENOMEM;
        for (char *t = strtok_r(line, "\t", &save); t && n < 31; t = strtok_r(NULL, "\t", &save))
                w[n++] = t;
        /* vn_journal_add is variadic; pass up to 24 words */
        return vn_journal_add(j, kind, w[0] ? w[0] : "", w[1], w[2], w[3], w[4], w[5], w[6], w[7],
                              w[8], w[9], w[10], w[11], w[12], w[13], w[14], w[15], w[16], w[17],
                              w[18], w[19], w[20], w[21], w[22], w[23], NULL);
}

/* Is this compat line (tab-separated words) already in the journal? */
static bool compat_journaled(const struct vn_journal *j, const char *line)
{
        for (size_t i = 0; j && i < j->n; i++) {
                const struct vn_journal_entry *e = &j->e[i];
                const char *s = line;
                size_t k;

                if (strcmp(e->kind, "compat") != 0)
                        continue;
                for (k = 0; k < e->n_args; k++) {
                        size_t len = strlen(e->args[k]);

                        if (strncmp(s, e->args[k], len) != 0 || (s[len] != '\t' && s[len]))
                                break;
                        s += len + (s[len] ? 1 : 0);
                }
                if (k == e->n_args && !*s)
                        return true;
        }
        return false;
}

/* The tagged accepts for each iptables chain (FORWARD, INPUT) whose policy is DROP now.
 * check: first ask iptables whether the rule is there (-C) and add only what is missing,
 * journaling only what the journal does not record yet (reconcile after a host firewall
 * reload); *added counts what was added. */
static int compat_ensure(struct run *R, bool check, unsigned *added, struct vn_error *err)
{
        const struct vn_plan *p = R->p;
        bool drops_fwd = ipt_chain_drops("FORWARD"), drops_inp = ipt_chain_drops("INPUT");
        int r;

        for (size_t i = 0; i < p->n_compat; i++) {
                _cleanup_free_ char *line = strdup(p->compat_add[i]);
                const char *argv[32];
                char *save = NULL, chain[32];
                size_t n = 0;
                int st;

                compat_chain(p->compat_add[i], chain, sizeof(chain));
                if (!(strcmp(chain, "FORWARD") == 0 ? drops_fwd
                      : strcmp(chain, "INPUT") == 0 ? drops_inp
                                                    : false))
                        continue;
                if (!line)
                        return vn_err(err, -ENOMEM, "out of memory");
                for (char *t = strtok_r(line, "\t", &save); t && n + 1 < 32;
                     t = strtok_r(NULL, "\t", &save))
                        argv[n++] = t;
                argv[n] = NULL;
                if (check) {
                        argv[0] = "-C";
                        if (vn_ipt_exec(false, argv, NULL) == 0)
                                continue; /* in place */
                        argv[0] = "-I";
                }
                /* journal the argv words; undo turns -I into -D */
                if (!check || !compat_journaled(R->j, p->compat_add[i])) {
                        r = journal_add_words(R->j, "compat", p->compat_add[i]);
                        if (r < 0)
                                return vn_err(err, r, "journal: cannot record compat rule");
                }
                st = vn_ipt_exec(false, argv, NULL);
                if (st != 0)
                        return vn_err(err, st < 0 ? st : -EIO, "iptables %s: failed (exit %d)",
                                      p->compat_add[i], st);
                if (added)
                        (*added)++;
        }
        return 0;
}

static int do_firewall(struct run *R, struct vn_error *err)
{
        const struct vn_plan *p = R->p;
        _cleanup_free_ char *rm = NULL, *rm6 = NULL;
        int r;

        if (!p->fw_apply)
                return 0;
        STEP(R, "firewall");
        rm = vn_asprintf("%s/fw-remove", R->dir);
        rm6 = vn_asprintf("%s/fw6-remove", R->dir);
        if (!rm || !rm6)
                return vn_err(err, -ENOMEM, "out of memory");
        r = vn_write_file_atomic(rm, p->fw_remove, strlen(p->fw_remove), 0600);
        if (r < 0)
                return vn_err(err, r, "cannot write '%s': %s", rm, strerror(-r));
        if (p->fw == VN_FW_IPT) {
                r = vn_journal_add(R->j, "ipt", rm, "4", NULL);
                if (r == 0 && p->fw6_remove) {
                        r = vn_write_file_atomic(rm6, p->fw6_remove, strlen(p->fw6_remove), 0600);
                        if (r == 0)
                                r = vn_journal_add(R->j, "ipt", rm6, "6", NULL);
                }
                if (r < 0)
                        return vn_err(err, r, "journal: %s", strerror(-r));
                r = vn_ipt_restore(false, p->fw_apply, err);
                if (r == 0 && p->fw6_apply)
                        r = vn_ipt_restore(true, p->fw6_apply, err);
        } else {
                r = vn_journal_add(R->j, "nft", rm, NULL);
                if (r < 0)
                        return vn_err(err, r, "journal: %s", strerror(-r));
                r = vn_fw_submit(R->ctx, p->fw_apply, err);
        }
        if (r < 0) {
                vn_err_prefix(err, "firewall transaction");
                return r;
        }
        if (p->n_compat && (ipt_chain_drops("FORWARD") || ipt_chain_drops("INPUT"))) {
                STEP(R, "firewall-compat");
                return compat_ensure(R, false, NULL, err);
        }
        return 0;
}

/* Every file or directory the configuration names that dnsmasq opens after dropping to its
 * user (not the configuration itself, nor the lease and pid files, which it opens as root). */
static size_t dnsmasq_user_paths(const char *conf, char ***out)
{
        static const char *const keys[] = {"tftp-root",    "addn-hosts",    "dhcp-hostsfile",
                                           "dhcp-optsfile", "hostsdir",     "dhcp-hostsdir",
                                           "dhcp-optsdir", "servers-file",  "resolv-file"};
        _cleanup_free_ char *copy = strdup(conf ? conf : "");
        char **v = NULL, *save = NULL;
        size_t n = 0;

        *out = NULL;
        if (!copy)
                return 0;
        for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char *eq = strchr(l, '='), **nv;

                if (!eq || l[0] == '#')
                        continue;
                *eq = '\0';
                for (size_t k = 0; k < VN_ARRAY_SIZE(keys); k++) {
                        if (strcmp(l, keys[k]) != 0)
                                continue;
                        if (strcmp(l, "tftp-root") == 0 && strchr(eq + 1, ','))
                                *strchr(eq + 1, ',') = '\0'; /* tftp-root=DIR,INTERFACE */
                        nv = realloc(v, (n + 1) * sizeof(*nv));
                        if (!nv) {
                                vn_strv_free(v, n);
                                return 0;
                        }
                        v = nv;
                        if (!(v[n] = strdup(eq + 1))) {
                                vn_strv_free(v, n);
                                return 0;
                        }
                        n++;
                }
        }
        *out = v;
        return n;
}

/* Can dnsmasq, once it has dropped to uid/gid, read everything its configuration names? */
static int dnsmasq_check_readable(const struct vn_plan *p, uid_t uid, gid_t gid,
                                  struct vn_error *err)
{
        char **paths = NULL;
        size_t n = dnsmasq_user_paths(p->dnsmasq_conf, &paths);
        struct vn_error e = {0};
        int r;

        r = vn_dnsmasq_can_read(uid, gid, (const char *const *)paths, n, &e);
        vn_strv_free(paths, n);
        if (r < 0)
                return vn_err(err, r,
                              "dnsmasq runs as user '%s' and could not read %s; make it "
                              "readable by that user (every directory on the way too)",
                              vn_dnsmasq_user(), e.msg);
        return 0;
}

/* Start the plan's dnsmasq (its configuration is written) as its user and remember it. */
static int dnsmasq_launch(const struct vn_plan *p, struct vn_dnsmasq_id *id, struct vn_error *err)
{
        _cleanup_free_ char *idp = dnsmasq_id_path(p->dnsmasq_pid_path);
        uid_t uid;
        gid_t gid;
        int r;

        if (!idp)
                return vn_err(err, -ENOMEM, "out of memory");
        r = dnsmasq_user_ids(&uid, &gid, err);
        if (r == 0)
                r = dnsmasq_check_readable(p, uid, gid, err);
        if (r < 0)
                return r;
        r = vn_dnsmasq_start(p->dnsmasq_conf_path, p->dnsmasq_pid_path, id, err);
        if (r < 0)
                return r;
        r = vn_dnsmasq_id_save(idp, id);
        if (r < 0) {
                vn_dnsmasq_stop(id, p->dnsmasq_conf_path, NULL);
                return vn_err(err, r, "cannot write '%s': %s", idp, strerror(-r));
        }
        if (id->uid != uid) {
                vn_dnsmasq_stop(id, p->dnsmasq_conf_path, NULL);
                return vn_err(err, -EPERM,
                              "dnsmasq (pid %ld) runs as uid %lu, not as its user '%s' (uid "
                              "%lu): stopped it",
                              (long)id->pid, (unsigned long)id->uid, vn_dnsmasq_user(),
                              (unsigned long)uid);
        }
        return 0;
}

/* The DHCP checksum fill (plan-ipt.c): iptables' mangle table whatever the backend, journaled
 * as iptables removal lines like the iptables backend's own rules. */
static int do_dhcp_checksum(struct run *R, struct vn_error *err)
{
        const struct vn_plan *p = R->p;
        _cleanup_free_ char *rm = NULL;
        int r;

        if (!p->csum_apply)
                return 0;
        STEP(R, "dhcp-checksum");
        rm = vn_asprintf("%s/csum-remove", R->dir);
        if (!rm)
                return vn_err(err, -ENOMEM, "out of memory");
        r = vn_write_file_atomic(rm, p->csum_remove, strlen(p->csum_remove), 0600);
        if (r < 0)
                return vn_err(err, r, "cannot write '%s': %s", rm, strerror(-r));
        r = vn_journal_add(R->j, "ipt", rm, "4", NULL);
        if (r < 0)
                return vn_err(err, r, "journal: %s", strerror(-r));
        r = vn_ipt_restore(false, p->csum_apply, err);
        if (r < 0)
                vn_err_prefix(err, "DHCP checksum fill (iptables -t mangle -j CHECKSUM; needs "
                                   "iptables and the kernel's xt_CHECKSUM)");
        return r;
}

static int do_dnsmasq(struct run *R, struct vn_error *err)
{
        const struct vn_plan *p = R->p;
        struct vn_dnsmasq_id id = {0};
        int r;

        if (!p->dnsmasq)
                return 0;
        STEP(R, "dnsmasq-files");
        r = write_state_file(R, "dnsmasq.conf", p->dnsmasq_conf, err);
        if (r < 0)
                return r;
        STEP(R, "dnsmasq");
        r = vn_journal_add(R->j, "dnsmasq", p->dnsmasq_pid_path, p->dnsmasq_conf_path, NULL);
        if (r < 0)
                return vn_err(err, r, "journal: %s", strerror(-r));
        r = dnsmasq_launch(p, &id, err);
        if (r < 0)
                return r;
        vn_ctx_log(R->ctx, "dnsmasq pid %ld", (long)id.pid);
        return 0;
}

int vn_engine_dnsmasq_health(const struct vn_plan *p, struct vn_dnsmasq_id *id, char *problem,
                             size_t len)
{
        _cleanup_free_ char *conf = NULL;
        struct vn_error e = {0};
        uid_t uid;
        gid_t gid;

        problem[0] = '\0';
        if (!vn_engine_dnsmasq_running(p, id)) {
                snprintf(problem, len, "not running");
                return -ESRCH;
        }
        if (dnsmasq_user_ids(&uid, &gid, &e) < 0 || id->uid != uid) {
                snprintf(problem, len, "runs as uid %lu, not as user '%s'",
                         (unsigned long)id->uid, vn_dnsmasq_user());
                return -EPERM;
        }
        /* the static hosts and DNS names are in the configuration it read as root at start;
         * the one on disk must still be the plan's */
        if (vn_read_file(p->dnsmasq_conf_path, 4u << 20, &conf, NULL) < 0 ||
            strcmp(conf, p->dnsmasq_conf) != 0) {
                snprintf(problem, len, "its configuration %s is not the network's (restart it)",
                         p->dnsmasq_conf_path);
                return -ESTALE;
        }
        if (dnsmasq_check_readable(p, uid, gid, &e) < 0) {
                snprintf(problem, len, "%s", e.msg);
                return -EACCES;
        }
        return 0;
}

static int do_bridge_sysctls(struct run *R, struct vn_error *err)
{
        return do_sysctls(R, true, err);
}

static int do_link_up(struct run *R, struct vn_error *err)
{
        STEP(R, "link-up");
        return vn_link_set_up(R->nl, R->p->bridge, true, err);
}

static int do_other_sysctls(struct run *R, struct vn_error *err)
{
        return do_sysctls(R, false, err);
}

/* the registered features' apply steps (the overlay's vxlan and FRR), in registration order */
static int do_features(struct run *R, struct vn_error *err)
{
        const struct vn_feature *f[MAX_FEATURES];
        size_t n = features_snapshot(f);
        int r;

        for (size_t i = 0; i < n; i++)
                if (f[i]->apply && (r = f[i]->apply(R->ctx, R->nl, R->j, R->p, err)) < 0)
                        return r;
        return 0;
}

/* What start does to a network whose plan creates its bridge, in order. Each step journals
 * what it creates before creating it; rollback undoes the journal backwards. */
static const struct {
        const char *name;
        int (*run)(struct run *R, struct vn_error *err);
} bridge_steps[] = {
    {"bridge", do_bridge},
    {"bridge sysctls", do_bridge_sysctls},
    {"addresses", do_addrs},
    {"link up", do_link_up},
    {"routes", do_routes},
    {"host sysctls", do_other_sysctls},
    {"features", do_features},
    {"firewall", do_firewall},
    {"dhcp checksum", do_dhcp_checksum},
    {"dnsmasq", do_dnsmasq},
};

static int apply_plan(struct run *R, struct vn_error *err)
{
        int r;

        if (R->p->create_bridge)
                for (size_t i = 0; i < VN_ARRAY_SIZE(bridge_steps); i++)
                        if ((r = bridge_steps[i].run(R, err)) < 0)
                                return r;
        STEP(R, "state");
        return write_state_file(R, "started", "", err);
}

static int destroy_locked(struct vn_ctx *ctx, struct vn_nl *nl, const char *name, unsigned flags,
                          struct vn_error *err);

int vn_engine_start(struct vn_ctx *ctx, struct vn_net *net, unsigned flags,
                    struct vn_plan **plan_out, struct vn_error *err)
{
        _cleanup_plan_ struct vn_plan *p = NULL;
        _cleanup_nl_ struct vn_nl *nl = NULL;
        _cleanup_free_ char *dir = NULL, *jpath = NULL, *xml = NULL;
        struct vn_journal *j = NULL;
        enum vn_net_state st;
        struct run R = {0};
        int r;

        r = vn_net_check(net, err);
        if (r < 0)
                return r;
        vn_ctx_log(ctx, "plan");
        r = vn_plan_for(ctx, net, &p, err);
        if (r < 0)
                return r;
        vn_ctx_log(ctx, "planned (%s firewall)", vn_fw_backend_name(p->fw));
        if (flags & VN_START_DRY_RUN) {
                if (plan_out)
                        *plan_out = VN_TAKE(p);
                return 0;
        }
        st = vn_state_get(ctx, net->name);
        if (st == VN_STATE_ACTIVE)
                return vn_err(err, -EALREADY,
                              "network '%s' is already active (`vnet reconcile %s` repairs a "
                              "running network)",
                              net->name, net->name);
        r = vn_nl_open(&nl, err);
        if (r < 0)
                return r;
        if (st == VN_STATE_FAILED) {
                /* a previous start died halfway: clean up what it left first */
                r = destroy_locked(ctx, nl, net->name, VN_DESTROY_QUIET, err);
                if (r < 0) {
                        vn_err_prefix(err, "cleaning up an interrupted start");
                        return r;
                }
        }
        R.ctx = ctx;
        R.nl = nl;
        R.p = p;
        vn_ctx_log(ctx, "precheck");
        r = precheck(&R, err);
        if (r < 0)
                return r;
        dir = vn_path_run(ctx, net->name);
        jpath = vn_path_run_file(ctx, net->name, "journal");
        xml = vn_net_format(net, 0);
        if (!dir || !jpath || !xml)
                return vn_err(err, -ENOMEM, "out of memory");
        r = vn_dir_open(dir, true, 0755, err);
        if (r < 0)
                return vn_err(err, r, "cannot create '%s': %s", dir, strerror(-r));
        close(r);
        r = vn_journal_open(jpath, &j, err);
        if (r < 0) {
                rm_run_dir(ctx, net->name);
                return r;
        }
        R.j = j;
        R.dir = dir;
        r = write_state_file(&R, "net.xml", xml, err);
        if (r == 0 && p->bridge[0] && !p->macvtap) {
                /* the bridge helper's one lookup (helper-port.c): it never plans */
                char line[18];

                snprintf(line, sizeof(line), "%s\n", p->bridge);
                r = write_state_file(&R, "bridge", line, err);
        }
        if (r == 0)
                r = apply_plan(&R, err);
        if (r < 0) {
                struct vn_error rb = {0};

                /* roll back; the first error is the one reported */
                if (vn_engine_undo_journal(ctx, nl, j, 0, &rb) < 0) {
                        /* Something could not be undone: keep the journal (the network is
                         * "failed" now), so that destroy, or the next start, finishes it. */
                        vn_journal_free(j);
                        if (err) {
                                char first[sizeof(err->msg)];

                                snprintf(first, sizeof(first), "%s", err->msg);
                                vn_err_replace(err, r,
                                               "%s; rollback incomplete (%s): `vnet destroy %s` "
                                               "removes what is left",
                                               first, rb.msg, net->name);
                        }
                        return r;
                }
                vn_journal_free(j);
                rm_run_dir(ctx, net->name);
                vn_fw_table_gc(ctx);
                return r;
        }
        vn_journal_free(j);
        vn_ctx_log(ctx, "network '%s' started", net->name);
        if (plan_out)
                *plan_out = VN_TAKE(p);
        return 0;
}

/* the features' cleanups of what the journal does not list (guest ports) */
static int before_destroy(struct vn_ctx *ctx, struct vn_nl *nl, const char *name,
                          struct vn_error *err)
{
        const struct vn_feature *f[MAX_FEATURES];
        size_t n = features_snapshot(f);
        int r;

        for (size_t i = 0; i < n; i++)
                if (f[i]->before_destroy && (r = f[i]->before_destroy(ctx, nl, name, err)) < 0)
                        return r;
        return 0;
}

static int destroy_locked(struct vn_ctx *ctx, struct vn_nl *nl, const char *name, unsigned flags,
                          struct vn_error *err)
{
        _cleanup_free_ char *dir = vn_path_run(ctx, name);
        _cleanup_free_ char *jpath = vn_path_run_file(ctx, name, "journal");
        _cleanup_free_ char *live = vn_path_run_file(ctx, name, "net.xml");
        struct vn_journal *j = NULL;
        struct vn_error jerr = {0};
        char why[160] = "";
        struct stat stt;
        bool has_live;
        int r;

        if (!dir || !jpath || !live)
                return vn_err(err, -ENOMEM, "out of memory");
        /* the state directory must be a real directory of root's: a symlink planted in its
         * place is neither followed nor trusted */
        r = vn_dir_open(dir, false, 0, err);
        if (r == -ENOENT) {
                if (flags & VN_DESTROY_QUIET)
                        return 0;
                return vn_err(err, -ENOENT, "network '%s' is not active", name);
        }
        if (r < 0) {
                vn_err_prefix(err, "network '%s': state", name);
                return r;
        }
        close(r);
        r = vn_journal_load(jpath, &j, &jerr);
        /* A journal that cannot be trusted is never taken as "nothing was made" (salvage.c):
         * start writes the live definition right after opening the journal, so a missing or
         * empty journal next to it has lost what it recorded. */
        has_live = fstatat(AT_FDCWD, live, &stt, AT_SYMLINK_NOFOLLOW) == 0;
        if (r == -ENOENT && has_live)
                snprintf(why, sizeof(why), "missing");
        else if (r < 0 && r != -ENOENT)
                snprintf(why, sizeof(why), "%s", r == -EFBIG ? "larger than 16 MiB" : strerror(-r));
        else if (r == 0 && j->n_bad)
                snprintf(why, sizeof(why), "%zu damaged line(s)", j->n_bad);
        else if (r == 0 && j->n == 0 && has_live)
                snprintf(why, sizeof(why), "empty");
        if (r == -ENOENT && !why[0])
                return rm_run_dir(ctx, name); /* leftovers without a journal: nothing was created */
        if (why[0] && !(flags & VN_DESTROY_FORCE) && !vn_salvage_possible(ctx, name)) {
                vn_journal_free(j);
                return vn_err(err, -EBADMSG,
                              "network '%s': journal '%s' is unusable (%s) and no definition is "
                              "left to derive the cleanup from; nothing was removed. `vnet "
                              "destroy --force %s` undoes what the journal still says and "
                              "forgets the rest",
                              name, jpath, why, name);
        }
        r = before_destroy(ctx, nl, name, err);
        if (r < 0) {
                vn_journal_free(j);
                return r;
        }
        if (why[0]) {
                /* what the journal still says exactly first (overlay links, compat rules...),
                 * then what the definition says (salvage.c); what is left is the news */
                struct vn_error e1 = {0}, e2 = {0};
                int r1, r2;

                vn_ctx_log(ctx, "journal of '%s' unusable (%s): cleaning up from the definition",
                           name, why);
                r1 = j && j->n ? vn_engine_undo_journal(ctx, nl, j, flags, &e1) : 0;
                r2 = vn_salvage(ctx, nl, name, why, flags, vn_engine_undo_kind, &e2);
                if (r2 < 0)
                        r = vn_err(err, r2, "%s", e2.msg);
                else if (r1 < 0 && !(flags & VN_DESTROY_FORCE))
                        r = vn_err(err, r1, "%s", e1.msg);
                else
                        r = 0;
        } else {
                r = vn_engine_undo_journal(ctx, nl, j, flags, err);
        }
        vn_journal_free(j);
        if (r < 0)
                return r; /* keep the journal: a retry knows what is left */
        r = rm_run_dir(ctx, name);
        if (r == 0)
                vn_fw_table_gc(ctx);
        vn_ctx_log(ctx, "network '%s' destroyed", name);
        if (r < 0)
                return vn_err(err, r, "cannot remove '%s': %s", dir, strerror(-r));
        return 0;
}

int vn_engine_destroy(struct vn_ctx *ctx, const char *name, unsigned flags, struct vn_error *err)
{
        _cleanup_nl_ struct vn_nl *nl = NULL;
        int r;

        r = vn_nl_open(&nl, err);
        if (r < 0)
                return r;
        return destroy_locked(ctx, nl, name, flags, err);
}

/* ---- destroy many in one batch -------------------------------------------- */

/* One network of a batch destroy: its journal, and which entries the batch already undid. */
struct batch_net {
        const char *name;
        struct vn_journal *j;
        bool *done;
        bool individual; /* no usable journal: the ordinary destroy, after the batch */
};

/* SIGTERM every network's dnsmasq at once; each one's undo then only waits for its exit. */
static void batch_signal_dnsmasq(struct batch_net *b, size_t n)
{
        for (size_t i = 0; i < n; i++)
                for (size_t k = 0; b[i].j && k < b[i].j->n; k++) {
                        const struct vn_journal_entry *e = &b[i].j->e[k];
                        pid_t pid;

                        if (strcmp(e->kind, "dnsmasq") != 0 || e->n_args < 2)
                                continue;
                        pid = vn_dnsmasq_read_pid(e->args[0]);
                        if (pid > 0 && vn_dnsmasq_is_ours(pid, e->args[1]))
                                (void)kill(pid, SIGTERM);
                }
}

/* Every network's nft removal in one transaction. Each removal batch is idempotent on its own
 * (it adds what it deletes first), so their concatenation is too. On failure nothing is marked
 * and each network replays its own removal. */
static void batch_nft(struct vn_ctx *ctx, struct batch_net *b, size_t n)
{
        _cleanup_(vn_buf_free) struct vn_buf all = {0};
        bool any = false;
        struct vn_error e2 = {0};

        for (size_t i = 0; i < n; i++)
                for (size_t k = 0; b[i].j && k < b[i].j->n; k++) {
                        const struct vn_journal_entry *e = &b[i].j->e[k];
                        _cleanup_free_ char *batch = NULL;
                        int r;

                        if (strcmp(e->kind, "nft") != 0 || e->n_args < 1)
                                continue;
                        r = vn_read_file(e->args[0], 4u << 20, &batch, NULL);
                        if (r == -ENOENT) {
                                b[i].done[k] = true; /* never written: nothing went in */
                                continue;
                        }
                        if (r < 0)
                                return;
                        vn_buf_addf(&all, "%s\n", batch);
                        any = true;
                }
        if (!any || all.oom)
                return;
        if (vn_fault_point("destroy-all-nft") < 0 || vn_fw_submit(ctx, all.s, &e2) < 0) {
                vn_ctx_log(ctx, "batch nft removal failed (%s): network by network",
                           e2.msg[0] ? e2.msg : "injected fault");
                return;
        }
        for (size_t i = 0; i < n; i++)
                for (size_t k = 0; b[i].j && k < b[i].j->n; k++)
                        if (strcmp(b[i].j->e[k].kind, "nft") == 0)
                                b[i].done[k] = true;
}

/* Every network's bridge (checked to be the one vnet made, as undo_bridge does) into one
 * unused link group, then one delete of that group. */
static void batch_bridges(struct vn_ctx *ctx, struct vn_nl *nl, struct batch_net *b, size_t n)
{
        struct vn_error e2 = {0};
        uint32_t group;
        size_t grouped = 0;

        if (vn_link_group_unused(nl, (uint32_t)getpid(), &group, &e2) < 0)
                return;
        for (size_t i = 0; i < n; i++)
                for (size_t k = 0; b[i].j && k < b[i].j->n; k++) {
                        const struct vn_journal_entry *e = &b[i].j->e[k];
                        struct vn_link_info li;
                        uint8_t mac[6];

                        if (strcmp(e->kind, "bridge") != 0 || e->n_args < 2)
                                continue;
                        if (vn_link_get(nl, e->args[0], &li, &e2) == -ENODEV) {
                                b[i].done[k] = true;
                                continue;
                        }
                        if (strcmp(li.kind, "bridge") != 0 || vn_mac_parse(e->args[1], mac) < 0 ||
                            memcmp(mac, li.mac, 6) != 0)
                                continue; /* its own undo says why it is left alone */
                        if (vn_link_set_group(nl, e->args[0], group, &e2) == 0)
                                grouped++;
                }
        if (!grouped)
                return;
        if (vn_fault_point("destroy-all-links") < 0 || vn_link_delete_group(nl, group, &e2) < 0) {
                vn_ctx_log(ctx, "batch link delete failed (%s): network by network",
                           e2.msg[0] ? e2.msg : "injected fault");
                return;
        }
        /* what is gone now is done; a bridge that was not grouped still exists */
        for (size_t i = 0; i < n; i++)
                for (size_t k = 0; b[i].j && k < b[i].j->n; k++)
                        if (strcmp(b[i].j->e[k].kind, "bridge") == 0 &&
                            vn_link_index(nl, b[i].j->e[k].args[0]) < 0)
                                b[i].done[k] = true;
}

int vn_engine_destroy_batch(struct vn_ctx *ctx, char **names, size_t n, int *results,
                            struct vn_error *errs)
{
        _cleanup_nl_ struct vn_nl *nl = NULL;
        struct batch_net *b;
        int r, failed = 0;

        r = vn_nl_open(&nl, &errs[0]);
        if (r < 0) {
                for (size_t i = 0; i < n; i++) {
                        results[i] = r;
                        if (i)
                                errs[i] = errs[0];
                }
                return r;
        }
        b = calloc(n ? n : 1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        /* 1. each network's journal, and the features' cleanups (guest ports) */
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *jpath = vn_path_run_file(ctx, names[i], "journal");
                _cleanup_free_ char *dir = vn_path_run(ctx, names[i]);
                struct vn_error jerr = {0};
                int dfd;

                b[i].name = names[i];
                results[i] = 0;
                /* a state dir that is not a real directory of root's: destroy_locked says so;
                 * a damaged or empty journal is not trusted: the single destroy salvages it */
                dfd = dir ? vn_dir_open(dir, false, 0, &jerr) : -ENOMEM;
                if (dfd >= 0)
                        close(dfd);
                if (dfd < 0 || !jpath || vn_journal_load(jpath, &b[i].j, &jerr) < 0 ||
                    b[i].j->n_bad || b[i].j->n == 0 ||
                    !(b[i].done = calloc(b[i].j->n + 1, sizeof(bool)))) {
                        vn_journal_free(b[i].j);
                        b[i].j = NULL;
                        b[i].individual = true;
                        continue;
                }
                if ((r = before_destroy(ctx, nl, names[i], &errs[i])) < 0) {
                        results[i] = r;
                        vn_journal_free(b[i].j);
                        b[i].j = NULL;
                }
        }
        /* 2. what batches: dnsmasq signals, one nft transaction, one link-group delete */
        vn_ctx_log(ctx, "batch: %zu networks", n);
        batch_signal_dnsmasq(b, n);
        batch_nft(ctx, b, n);
        vn_ctx_log(ctx, "batch: firewall");
        batch_bridges(ctx, nl, b, n);
        vn_ctx_log(ctx, "batch: links");
        /* 3. the rest of each journal, backwards, as a single destroy would; the journal and
         * state dir go only when everything is undone, so a crash anywhere above leaves
         * journals that `vnet destroy` replays (every undo tolerates what is already gone) */
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *dir = vn_path_run(ctx, names[i]);

                if (results[i] < 0)
                        goto next;
                if (b[i].individual) {
                        results[i] = destroy_locked(ctx, nl, names[i], VN_DESTROY_QUIET, &errs[i]);
                        goto next;
                }
                for (size_t k = b[i].j->n; k-- > 0;) {
                        if (b[i].done[k])
                                continue;
                        r = undo_entry(ctx, nl, &b[i].j->e[k], &errs[i]);
                        if (r < 0 && results[i] == 0)
                                results[i] = r;
                }
                if (results[i] == 0 && (r = dir ? rm_run_dir(ctx, names[i]) : -ENOMEM) < 0)
                        results[i] = vn_err(&errs[i], r, "cannot remove '%s': %s",
                                            dir ? dir : names[i], strerror(-r));
        next:
                if (results[i] < 0)
                        failed++;
                vn_journal_free(b[i].j);
                free(b[i].done);
        }
        free(b);
        vn_fw_table_gc(ctx);
        vn_ctx_log(ctx, "batch: done, %d failed", failed);
        return failed ? -EIO : 0;
}

/* ---- reconcile ------------------------------------------------------------ */

int vn_engine_reconcile(struct vn_ctx *ctx, const char *name, struct vn_buf *report,
                        struct vn_error *err)
{
        _cleanup_net_ struct vn_net *net = NULL;
        _cleanup_plan_ struct vn_plan *p = NULL;
        _cleanup_nl_ struct vn_nl *nl = NULL;
        _cleanup_free_ char *live = NULL, *dir = NULL, *jpath = NULL;
        struct vn_journal *j = NULL;
        struct run R = {0};
        int r;

        switch (vn_state_get(ctx, name)) {
        case VN_STATE_INACTIVE:
                return vn_err(err, -ENOENT, "network '%s' is not active", name);
        case VN_STATE_FAILED:
                vn_buf_addf(report, "%s: an interrupted start was cleaned up\n", name);
                r = vn_nl_open(&nl, err);
                if (r == 0)
                        r = destroy_locked(ctx, nl, name, VN_DESTROY_QUIET, err);
                return r;
        case VN_STATE_ACTIVE:
                break;
        }
        live = vn_path_run_file(ctx, name, "net.xml");
        dir = vn_path_run(ctx, name);
        jpath = vn_path_run_file(ctx, name, "journal");
        if (!live || !dir || !jpath)
                return vn_err(err, -ENOMEM, "out of memory");
        r = vn_net_parse_file(live, &net, err);
        if (r < 0) {
                vn_err_prefix(err,
                              "network '%s': live definition unreadable (destroy it and "
                              "start it again)",
                              name);
                return r;
        }
        r = vn_plan_for(ctx, net, &p, err);
        if (r < 0)
                return r;
        r = vn_nl_open(&nl, err);
        if (r < 0)
                return r;
        if (p->create_bridge && vn_link_index(nl, p->bridge) < 0) {
                /* the bridge is the network: everything hangs off it, start over */
                vn_buf_addf(report, "%s: bridge %s was missing: network restarted\n", name,
                            p->bridge);
                r = destroy_locked(ctx, nl, name, VN_DESTROY_QUIET, err);
                if (r == 0)
                        r = vn_engine_start(ctx, net, 0, NULL, err);
                return r;
        }
        R.ctx = ctx;
        R.nl = nl;
        R.p = p;
        R.dir = dir;
        if (p->create_bridge) {
                struct vn_link_info li;
                struct vn_error e2 = {0};

                if (vn_link_get(nl, p->bridge, &li, &e2) == 0 && !li.up) {
                        r = vn_link_set_up(nl, p->bridge, true, err);
                        if (r < 0)
                                return r;
                        vn_buf_addf(report, "%s: bridge %s was down: set up\n", name, p->bridge);
                }
        }
        for (size_t i = 0; p->create_bridge && i < p->n_addrs; i++) {
                char a[VN_ADDR_STRLEN];

                /* -EEXIST: in place; anything added was missing (someone flushed it) */
                r = vn_ifaddr_add(nl, p->bridge, &p->addrs[i].addr, p->addrs[i].prefix,
                                  p->addrs[i].addr.family == AF_INET6, err);
                if (r == -EEXIST)
                        continue;
                if (r < 0)
                        return r;
                vn_buf_addf(report, "%s: address %s/%u was missing on %s: re-added\n", name,
                            vn_addr_format(&p->addrs[i].addr, a), p->addrs[i].prefix, p->bridge);
        }
        if (p->fw_apply && p->fw == VN_FW_NFT && !vn_fw_network_present(p)) {
                r = vn_fw_submit(ctx, p->fw_apply, err);
                if (r < 0)
                        return r;
                vn_buf_addf(report, "%s: firewall rules were missing: re-applied\n", name);
        }
        if (p->n_compat && (ipt_chain_drops("FORWARD") || ipt_chain_drops("INPUT"))) {
                unsigned added = 0;

                r = vn_journal_open(jpath, &j, err); /* with the entries it holds */
                if (r < 0)
                        return r;
                R.j = j;
                r = compat_ensure(&R, true, &added, err);
                vn_journal_free(j);
                j = NULL;
                R.j = NULL;
                if (r < 0)
                        return r;
                if (added)
                        vn_buf_addf(report,
                                    "%s: %u tagged iptables accept(s) were missing: re-added\n",
                                    name, added);
        }
        if (p->dnsmasq) {
                struct vn_dnsmasq_id id;

                if (!vn_engine_dnsmasq_running(p, &id)) {
                        r = vn_journal_open(jpath, &j, err);
                        if (r < 0)
                                return r;
                        R.j = j;
                        /* the journal already records dnsmasq; start it without a new entry */
                        r = write_state_file(&R, "dnsmasq.conf", p->dnsmasq_conf, err);
                        if (r == 0 && !vn_journal_find(j, "dnsmasq"))
                                r = vn_journal_add(j, "dnsmasq", p->dnsmasq_pid_path,
                                                   p->dnsmasq_conf_path, NULL);
                        if (r == 0)
                                r = dnsmasq_launch(p, &id, err);
                        vn_journal_free(j);
                        if (r < 0)
                                return r;
                        vn_buf_addf(report, "%s: dnsmasq was not running: restarted (pid %ld)\n",
                                    name, (long)id.pid);
                }
        }
        return 0;
}
