/*
 * watch.c: `vnet watch` — keep every running network of a root as its plan
 * says while the host changes under it. Kernel notifications (an nftables
 * ruleset change such as `nft flush ruleset`, a link or address change, a
 * dnsmasq's exit) start a pass, debounced so that a burst costs one; a pass
 * runs vn_reconcile() — the same code as `vnet reconcile` — for each running
 * network. A periodic pass catches what no notification reports.
 */
#include "config.h"

#include "vnet.h"

#include "dnsmasq.h"
#include "events.h"
#include "state.h"

#include <errno.h>
#include <stdarg.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_PIDFDS 256

static uint64_t now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void say(const struct vn_watch_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void say(const struct vn_watch_opts *o, const char *fmt, ...)
{
        va_list ap;
        char line[1024];

        va_start(ap, fmt);
        vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        if (o->report)
                o->report(line, o->data);
}

/* One pass: reconcile every running network; then the pidfds of their dnsmasqs. */
static unsigned pass(struct vn_ctx *ctx, const struct vn_watch_opts *o, int *pidfds,
                     size_t *n_pidfds)
{
        char **names = NULL;
        size_t n = 0;
        unsigned repairs = 0;

        for (size_t i = 0; i < *n_pidfds; i++)
                close(pidfds[i]);
        *n_pidfds = 0;
        if (vn_running_names(ctx, &names, &n) < 0)
                return 0;
        for (size_t i = 0; i < n; i++) {
                struct vn_error err = {0};
                char *report = NULL;
                int r = vn_reconcile(ctx, names[i], &report, &err);

                if (r == -ENOENT) {
                        /* destroyed meanwhile */
                } else if (r < 0) {
                        say(o, "%s: error: %s", names[i], err.msg[0] ? err.msg : strerror(-r));
                } else if (report && *report) {
                        char *save = NULL;

                        for (char *l = strtok_r(report, "\n", &save); l;
                             l = strtok_r(NULL, "\n", &save)) {
                                say(o, "%s", l);
                                repairs++;
                        }
                }
                free(report);
        }
        for (size_t i = 0; i < n && *n_pidfds < MAX_PIDFDS; i++) {
                /* the identity root recorded at start, not dnsmasq's own pid file */
                _cleanup_free_ char *idf = vn_path_run_file(ctx, names[i], "dnsmasq.id");
                struct vn_dnsmasq_id id = {0};
                int fd;

                if (!idf || vn_dnsmasq_id_load(idf, &id) < 0 || id.pid <= 0)
                        continue;
                fd = vn_pidfd_open(id.pid);
                if (fd >= 0)
                        pidfds[(*n_pidfds)++] = fd;
        }
        vn_strv_free(names, n);
        return repairs;
}

int vn_watch(struct vn_ctx *ctx, const struct vn_watch_opts *o, struct vn_error *err)
{
        int nft = -1, rt = -1, pidfds[MAX_PIDFDS];
        size_t n_pidfds = 0;
        unsigned debounce = o->debounce_ms ? o->debounce_ms : 100;
        unsigned max_delay = debounce * 3;
        unsigned interval = o->interval_ms;
        uint64_t first = 0, deadline = 0, next_periodic;
        bool pending = true; /* a first pass at once: repair what broke while nobody watched */
        int r;

        r = vn_events_open(&nft, &rt, err);
        if (r < 0)
                return r;
        next_periodic = interval ? now_ms() + interval : UINT64_MAX;
        while (!(o->stop && *o->stop)) {
                struct pollfd pf[2 + MAX_PIDFDS];
                uint64_t t = now_ms(), wake = next_periodic;
                int timeout, k;

                if (pending && deadline < wake)
                        wake = deadline;
                timeout = wake == UINT64_MAX ? -1 : wake <= t ? 0 : (int)(wake - t);
                pf[0] = (struct pollfd){.fd = nft, .events = POLLIN};
                pf[1] = (struct pollfd){.fd = rt, .events = POLLIN};
                for (size_t i = 0; i < n_pidfds; i++)
                        pf[2 + i] = (struct pollfd){.fd = pidfds[i], .events = POLLIN};
                k = poll(pf, 2 + n_pidfds, timeout);
                if (k < 0 && errno != EINTR) {
                        r = vn_err(err, -errno, "poll: %s", strerror(errno));
                        break;
                }
                t = now_ms();
                if (k > 0) {
                        bool changed = false, urgent = false;

                        if ((pf[0].revents & POLLIN) && vn_events_drain(nft) > 0)
                                changed = true;
                        if ((pf[1].revents & POLLIN) && vn_events_drain(rt) > 0)
                                changed = true;
                        for (size_t i = 0; i < n_pidfds; i++)
                                if (pf[2 + i].revents)
                                        urgent = true; /* a dnsmasq exited */
                        if (changed || urgent) {
                                if (!pending) {
                                        pending = true;
                                        first = t;
                                }
                                /* wait for the burst to settle, but never beyond max_delay */
                                deadline = urgent ? t : t + debounce;
                                if (deadline > first + max_delay)
                                        deadline = first + max_delay;
                        }
                }
                if ((pending && t >= deadline) || t >= next_periodic) {
                        pending = false;
                        pass(ctx, o, pidfds, &n_pidfds);
                        /* our own repairs raise events too: they cause one more pass,
                         * which finds nothing to do and changes nothing, so it ends there */
                        if (interval)
                                next_periodic = now_ms() + interval;
                }
        }
        for (size_t i = 0; i < n_pidfds; i++)
                close(pidfds[i]);
        close(nft);
        close(rt);
        return r < 0 ? r : 0;
}
