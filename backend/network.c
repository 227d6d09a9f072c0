/*
 * network.c: the public operations on running networks (vnet.h) — start,
 * destroy, reconcile, info, DHCP leases. They take the network's lock, make
 * sure the features have registered with the engine, and hand over to the
 * engine (engine.h), which does the work.
 */
#include "config.h"

#include "vnet.h"

#include "bandwidth.h"
#include "dnsmasq.h"
#include "fw.h"
#include "hostcheck.h"
#include "link.h"
#include "overlay.h"
#include "port.h"

#include <errno.h>
#include <pthread.h>
#include <sys/resource.h>
#include <stdio.h>
#include <string.h>

static pthread_once_t features_once = PTHREAD_ONCE_INIT;

/* The features whose journal kinds and steps the engine runs. */
static void features_register(void)
{
        /* a table of three fixed entries: it cannot be full, and their kinds differ */
        (void)vn_engine_register(&vn_overlay_feature);
        (void)vn_engine_register(&vn_ports_feature);
        (void)vn_engine_register(&vn_bandwidth_feature);
}

void vn_features_init(void)
{
        pthread_once(&features_once, features_register);
}

int vn_start_net(struct vn_ctx *ctx, struct vn_net *net, unsigned flags, struct vn_plan **plan_out,
                 struct vn_error *err)
{
        int lock, r;

        vn_features_init();
        if (flags & VN_START_DRY_RUN)
                return vn_engine_start(ctx, net, flags, plan_out, err);
        lock = vn_lock(ctx, net->name, err);
        if (lock < 0)
                return lock;
        r = vn_engine_start(ctx, net, flags, plan_out, err);
        vn_unlock(lock);
        return r;
}

int vn_start(struct vn_ctx *ctx, const char *name, unsigned flags, struct vn_plan **plan_out,
             struct vn_error *err)
{
        _cleanup_net_ struct vn_net *net = NULL;
        int r;

        r = vn_def_load(ctx, name, &net, err);
        if (r < 0)
                return r;
        return vn_start_net(ctx, net, flags, plan_out, err);
}

int vn_destroy(struct vn_ctx *ctx, const char *name, struct vn_error *err)
{
        return vn_destroy_flags(ctx, name, 0, err);
}

/* A valid name, the features registered, then the network's lock: an fd for vn_unlock(). */
static int lock_net(struct vn_ctx *ctx, const char *name, struct vn_error *err)
{
        if (!vn_net_name_valid(name))
                return vn_err(err, -EINVAL, "'%s' is not a valid network name", name);
        vn_features_init();
        return vn_lock(ctx, name, err);
}

int vn_destroy_flags(struct vn_ctx *ctx, const char *name, unsigned flags, struct vn_error *err)
{
        int lock, r;

        lock = lock_net(ctx, name, err);
        if (lock < 0)
                return lock;
        r = vn_engine_destroy(ctx, name, flags & VN_DESTROY_FORCE, err);
        vn_unlock(lock);
        return r;
}

void vn_destroy_results_free(struct vn_destroy_result *v, size_t n)
{
        for (size_t i = 0; v && i < n; i++)
                free(v[i].name);
        free(v);
}

/* How many network locks one batch may hold: the fd limit, raised to its hard limit when
 * needed, less room for everything else a destroy opens. */
static size_t batch_capacity(size_t want)
{
        struct rlimit rl;
        const rlim_t spare = 64;

        if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
                return 256;
        if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want + spare &&
            rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want + spare
                                  ? want + spare
                                  : rl.rlim_max;
                (void)setrlimit(RLIMIT_NOFILE, &rl);
                (void)getrlimit(RLIMIT_NOFILE, &rl);
        }
        if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > want + spare)
                return want ? want : 1;
        return rl.rlim_cur > 2 * spare ? (size_t)(rl.rlim_cur - spare) : 1;
}

int vn_destroy_all(struct vn_ctx *ctx, struct vn_destroy_result **out, size_t *n,
                   struct vn_error *err)
{
        struct vn_destroy_result *res;
        char **names = NULL;
        size_t cnt = 0, chunk;
        int r, status = 0;

        *out = NULL;
        *n = 0;
        vn_features_init();
        r = vn_running_names(ctx, &names, &cnt);
        if (r < 0)
                return vn_err(err, r, "cannot list running networks: %s", strerror(-r));
        res = calloc(cnt ? cnt : 1, sizeof(*res));
        if (!res) {
                vn_strv_free(names, cnt);
                return vn_err(err, -ENOMEM, "out of memory");
        }
        chunk = batch_capacity(cnt);
        for (size_t base = 0; base < cnt; base += chunk) {
                size_t m = cnt - base < chunk ? cnt - base : chunk, k = 0;
                int *locks = calloc(m, sizeof(int)), *results = calloc(m, sizeof(int));
                struct vn_error *errs = calloc(m, sizeof(*errs));
                char **batch = calloc(m, sizeof(char *));

                if (!locks || !results || !errs || !batch) {
                        free(locks), free(results), free(errs), free(batch);
                        vn_destroy_results_free(res, cnt);
                        vn_strv_free(names, cnt);
                        return vn_err(err, -ENOMEM, "out of memory");
                }
                for (size_t i = 0; i < m; i++) {
                        struct vn_destroy_result *d = &res[base + i];

                        d->name = names[base + i];
                        names[base + i] = NULL;
                        locks[i] = vn_lock(ctx, d->name, &d->err);
                        if (locks[i] < 0)
                                d->r = locks[i];
                        else
                                batch[k++] = d->name;
                }
                r = vn_engine_destroy_batch(ctx, batch, k, results, errs);
                (void)r;
                for (size_t i = 0, j = 0; i < m; i++) {
                        struct vn_destroy_result *d = &res[base + i];

                        if (locks[i] >= 0) {
                                d->r = results[j];
                                if (results[j] < 0)
                                        d->err = errs[j];
                                j++;
                                vn_unlock(locks[i]);
                        }
                        if (d->r < 0)
                                status = -EIO;
                }
                free(locks), free(results), free(errs), free(batch);
        }
        vn_strv_free(names, cnt);
        *out = res;
        *n = cnt;
        if (status < 0)
                return vn_err(err, status, "some networks could not be destroyed");
        return 0;
}

int vn_dhcp_leases(struct vn_ctx *ctx, const char *name, struct vn_lease_info **out, size_t *n,
                   struct vn_error *err)
{
        *out = NULL;
        *n = 0;
        if (vn_state_get(ctx, name) != VN_STATE_ACTIVE)
                return vn_err(err, -ENOENT, "network '%s' is not active", name);
        return vn_leases_read(ctx, name, out, n, err);
}

static unsigned count_lines(const char *s)
{
        unsigned n = 0;

        for (; s && *s; s++)
                n += *s == '\n';
        return n;
}

int vn_info(struct vn_ctx *ctx, const char *name, struct vn_net_info *out, struct vn_error *err)
{
        _cleanup_net_ struct vn_net *net = NULL;
        _cleanup_plan_ struct vn_plan *p = NULL;
        _cleanup_nl_ struct vn_nl *nl = NULL;
        struct vn_error ignore = {0};
        int r;

        memset(out, 0, sizeof(*out));
        r = vn_get_net(ctx, name, false, &net, err);
        if (r < 0)
                return r;
        out->state = vn_state_get(ctx, name);
        r = vn_plan_for(ctx, net, &p, err);
        if (r < 0)
                return r;
        snprintf(out->bridge, sizeof(out->bridge), "%s", p->bridge);
        snprintf(out->fw_backend, sizeof(out->fw_backend), "%s", vn_fw_backend_name(p->fw));
        out->fw_rules = p->fw_rules;
        if (out->state == VN_STATE_INACTIVE)
                return 0;
        if (vn_nl_open(&nl, &ignore) == 0 && p->bridge[0])
                out->bridge_present = vn_link_index(nl, p->bridge) > 0;
        if (p->dnsmasq) {
                struct vn_dnsmasq_id id = {0};
                int h = vn_engine_dnsmasq_health(p, &id, out->dnsmasq_problem,
                                                 sizeof(out->dnsmasq_problem));

                out->dnsmasq_planned = true;
                out->dnsmasq_running = h != -ESRCH;
                out->dnsmasq_pid = out->dnsmasq_running ? id.pid
                                                        : vn_dnsmasq_read_pid(p->dnsmasq_pid_path);
                out->dnsmasq_healthy = h == 0;
                snprintf(out->dnsmasq_user, sizeof(out->dnsmasq_user), "%s", vn_dnsmasq_user());
                out->dnsmasq_static_hosts = count_lines(p->dnsmasq_hosts);
                out->dnsmasq_dns_hosts = count_lines(p->dnsmasq_addnhosts);
        }
        if (p->fw_apply && p->fw == VN_FW_NFT)
                out->fw_present = vn_fw_network_present(p);
        {
                char **w = NULL;
                size_t n = 0;

                if (vn_hostfw_warnings(net, p, &w, &n) == 0) {
                        for (size_t i = 0; i < n && i < VN_ARRAY_SIZE(out->host_fw_warnings);
                             i++)
                                snprintf(out->host_fw_warnings[out->n_host_fw_warnings++],
                                         sizeof(out->host_fw_warnings[0]), "%s", w[i]);
                        vn_strv_free(w, n);
                }
        }
        return 0;
}

int vn_reconcile(struct vn_ctx *ctx, const char *name, char **report, struct vn_error *err)
{
        struct vn_buf b = {0};
        int lock, r;

        lock = lock_net(ctx, name, err);
        if (lock < 0)
                return lock;
        r = vn_engine_reconcile(ctx, name, &b, err);
        vn_unlock(lock);
        if (r < 0) {
                vn_buf_free(&b);
                return r;
        }
        *report = vn_buf_steal(&b);
        return *report ? 0 : -ENOMEM;
}

int vn_fw_warnings(struct vn_ctx *ctx, const char *name, char ***out, size_t *n,
                   struct vn_error *err)
{
        _cleanup_net_ struct vn_net *net = NULL;
        _cleanup_plan_ struct vn_plan *p = NULL;
        int r;

        *out = NULL;
        *n = 0;
        r = vn_get_net(ctx, name, false, &net, err);
        if (r < 0)
                return r;
        r = vn_plan_for(ctx, net, &p, err);
        if (r < 0)
                return r;
        r = vn_hostfw_warnings(net, p, out, n);
        if (r < 0)
                return vn_err(err, r, "out of memory");
        return 0;
}
