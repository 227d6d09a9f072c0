/*
 * qemu.c: handing guest ports to QEMU on its command line — the --nic
 * syntax, the -netdev/-device arguments, and the exec that lets exactly the
 * ports' queue fds cross into QEMU.
 */
#include "config.h"

#include "qemu.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

int vn_qemu_nic_parse(const char *spec, struct vn_qemu_nic *out, struct vn_error *err)
{
        struct vn_qemu_nic n = {0};
        char *save = NULL, *tok;

        n.buf = strdup(spec ? spec : "");
        if (!n.buf)
                return vn_err(err, -ENOMEM, "out of memory");
        for (tok = strtok_r(n.buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                char *v = strchr(tok, '=');

                if (!n.net) {
                        if (v)
                                break;
                        n.net = tok;
                        continue;
                }
                if (!v)
                        goto bad;
                *v++ = '\0';
                if (strcmp(tok, "mac") == 0) {
                        n.mac = v;
                } else if (strcmp(tok, "model") == 0) {
                        n.model = v;
                } else if (strcmp(tok, "ifname") == 0) {
                        n.ifname = v;
                } else if (strcmp(tok, "portgroup") == 0) {
                        n.portgroup = v;
                } else if (strcmp(tok, "queues") == 0) {
                        char *end;
                        unsigned long q = strtoul(v, &end, 10);

                        if (*end || q < 1 || q > VN_PORT_MAX_QUEUES) {
                                vn_err(err, -EINVAL, "--nic '%s': queues must be 1..%d", spec,
                                       VN_PORT_MAX_QUEUES);
                                free(n.buf);
                                return -EINVAL;
                        }
                        n.queues = (unsigned)q;
                } else {
                        vn_err(
                            err, -EINVAL,
                            "--nic '%s': unknown key '%s' (mac, queues, model, ifname, portgroup)",
                            spec, tok);
                        free(n.buf);
                        return -EINVAL;
                }
        }
        if (!n.net || !n.net[0])
                goto bad;
        if (!n.model)
                n.model = (char *)VN_QEMU_DEFAULT_MODEL;
        if (!n.queues)
                n.queues = 1;
        *out = n;
        return 0;
bad:
        free(n.buf);
        return vn_err(err, -EINVAL,
                      "--nic '%s': expected "
                      "NET[,mac=MAC][,queues=N][,model=M][,ifname=NAME][,portgroup=PG]",
                      spec ? spec : "");
}

bool vn_vhost_net_usable(void)
{
        return access("/dev/vhost-net", R_OK | W_OK) == 0;
}

int vn_qemu_nic_args(const struct vn_port *p, const char *id, const char *model, bool vhost,
                     char **netdev, char **device)
{
        struct vn_buf nd = {0}, dv = {0};

        if (p->n_fds < 1)
                return -EINVAL;
        vn_buf_addf(&nd, "tap,id=%s,%s=", id, p->n_fds > 1 ? "fds" : "fd");
        for (unsigned i = 0; i < p->n_fds; i++)
                vn_buf_addf(&nd, "%s%d", i ? ":" : "", p->fds[i]);
        vn_buf_addf(&nd, ",vhost=%s", vhost ? "on" : "off");
        vn_buf_addf(&dv, "%s,netdev=%s,mac=%s", model ? model : VN_QEMU_DEFAULT_MODEL, id, p->mac);
        if (p->n_fds > 1) /* a vector per queue each way, plus config and control */
                vn_buf_addf(&dv, ",mq=on,vectors=%u", 2 * p->n_fds + 2);
        *netdev = vn_buf_steal(&nd);
        *device = vn_buf_steal(&dv);
        if (!*netdev || !*device) {
                free(*netdev);
                free(*device);
                return -ENOMEM;
        }
        return 0;
}

int vn_exec_keep_fds(char *const *argv, const int *keep, size_t n_keep)
{
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;

        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                int fd = atoi(de->d_name), fl;
                bool kept = false;

                if (de->d_name[0] < '0' || de->d_name[0] > '9' || fd <= 2 || fd == dirfd(d))
                        continue;
                for (size_t i = 0; i < n_keep; i++)
                        kept = kept || keep[i] == fd;
                fl = fcntl(fd, F_GETFD);
                if (fl >= 0 && !kept)
                        fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
        }
        closedir(d);
        for (size_t i = 0; i < n_keep; i++) {
                int fl = fcntl(keep[i], F_GETFD);

                if (fl < 0 || fcntl(keep[i], F_SETFD, fl & ~FD_CLOEXEC) < 0)
                        return -errno;
        }
        execvp(argv[0], argv);
        return -errno;
}

int vn_qemu_run(struct vn_ctx *ctx, const struct vn_qemu_nic *nics, size_t n_nics,
                char *const *qemu_argv, size_t qemu_argc, struct vn_error *err)
{
        struct vn_port *ports = calloc(n_nics ? n_nics : 1, sizeof(*ports));
        char **argv = calloc(qemu_argc + 4 * n_nics + 1, sizeof(*argv));
        int *keep = calloc(n_nics * VN_PORT_MAX_QUEUES + 1, sizeof(int));
        bool vhost = vn_vhost_net_usable();
        size_t made = 0, argc = 0, n_keep = 0, n_alloc = 0;
        int r = 0;

        if (!ports || !argv || !keep) {
                r = vn_err(err, -ENOMEM, "out of memory");
                goto fail;
        }
        if (qemu_argc < 1) {
                r = vn_err(err, -EINVAL, "no QEMU command given");
                goto fail;
        }
        for (size_t i = 0; i < qemu_argc; i++)
                argv[argc++] = qemu_argv[i];
        n_alloc = argc;
        for (; made < n_nics; made++) {
                const struct vn_qemu_nic *n = &nics[made];
                struct vn_port_opts o = {
                    .ifname = n->ifname,
                    .portgroup = n->portgroup,
                    .mac = n->mac,
                    .queues = n->queues,
                    .vnet_hdr = true,
                    .keep_fds = true,
                    .owner_pid = getpid(), /* after the exec: QEMU */
                    .owner = "vnet qemu",
                };
                char id[32];

                r = vn_port_add(ctx, n->net, &o, &ports[made], err);
                if (r < 0)
                        goto fail;
                snprintf(id, sizeof(id), "vnet%zu", made);
                argv[argc++] = (char *)"-netdev";
                argv[argc++] = NULL;
                argv[argc++] = (char *)"-device";
                argv[argc++] = NULL;
                r = vn_qemu_nic_args(&ports[made], id, n->model, vhost, &argv[argc - 3],
                                     &argv[argc - 1]);
                if (r < 0) {
                        made++;
                        r = vn_err(err, r, "out of memory");
                        goto fail;
                }
                for (unsigned q = 0; q < ports[made].n_fds; q++)
                        keep[n_keep++] = ports[made].fds[q];
        }
        argv[argc] = NULL;
        vn_ctx_log(ctx, "exec %s with %zu port(s)", argv[0], n_nics);
        r = vn_exec_keep_fds(argv, keep, n_keep);
        r = vn_err(err, r, "cannot run '%s': %s", argv[0], strerror(-r));
fail:
        for (size_t i = 0; i < made; i++) {
                vn_port_close_fds(&ports[i]);
                vn_port_del(ctx, nics[i].net, ports[i].ifname, &(struct vn_error){0});
        }
        if (argv)
                for (size_t i = n_alloc; i < argc; i++)
                        if (argv[i] && argv[i][0] != '-')
                                free(argv[i]);
        free(argv);
        free(ports);
        free(keep);
        return r;
}
