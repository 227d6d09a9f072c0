/*
 * forward-spec.c: a port forward as a front end gives it (strings from the
 * command line) into the model's struct vn_port_forward. Pure.
 */
#include "config.h"

#include "net.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int parse_ports(const char *what, const char *s, unsigned *start, unsigned *end,
                       struct vn_error *err)
{
        unsigned long a, b;
        char *e;

        if (!s || !isdigit((unsigned char)*s))
                goto bad;
        errno = 0;
        a = strtoul(s, &e, 10);
        b = a;
        if (errno)
                goto bad;
        if (*e == '-') {
                if (!isdigit((unsigned char)e[1]))
                        goto bad;
                b = strtoul(e + 1, &e, 10);
                if (errno)
                        goto bad;
        }
        if (*e)
                goto bad;
        if (a < 1 || b > 65535 || a > b)
                return vn_err(err, -EINVAL, "%s '%s': out of range (1-65535, start <= end)", what,
                              s);
        *start = (unsigned)a;
        *end = (unsigned)b;
        return 0;
bad:
        return vn_err(err, -EINVAL, "%s '%s': expected a port N or a range N-M", what, s ? s : "");
}

int vn_forward_spec_parse(const struct vn_forward_spec *s, struct vn_port_forward *out,
                          struct vn_error *err)
{
        struct vn_port_forward f = {0};
        int r;

        if (s->proto) {
                r = vn_proto_from_name(s->proto);
                if (r < 0)
                        return vn_err(err, -EINVAL,
                                      "protocol '%s': unknown (allowed: tcp, udp, sctp)", s->proto);
                f.proto = (enum vn_proto)r;
        }
        if (!s->port)
                return vn_err(err, -EINVAL, "a port (N or N-M) is required");
        if ((r = parse_ports("port", s->port, &f.port_start, &f.port_end, err)) < 0)
                return r;
        if (s->toport) {
                if ((r = parse_ports("toport", s->toport, &f.toport_start, &f.toport_end, err)) < 0)
                        return r;
                f.has_toport = true;
                if (f.toport_start != f.toport_end &&
                    f.toport_end - f.toport_start != f.port_end - f.port_start)
                        return vn_err(err, -EINVAL,
                                      "toport range %s has a different length than port range %s",
                                      s->toport, s->port);
        } else {
                f.toport_start = f.port_start;
                f.toport_end = f.port_end;
        }
        if (!s->to == !s->mac)
                return vn_err(err, -EINVAL,
                              "exactly one of a guest address (to) or a guest MAC is required");
        if (s->to && vn_addr_parse(s->to, &f.to) < 0)
                return vn_err(err, -EINVAL, "guest address '%s': not an IPv4 or IPv6 address",
                              s->to);
        if (s->mac) {
                if (vn_mac_parse(s->mac, f.mac) < 0)
                        return vn_err(err, -EINVAL, "guest MAC '%s': invalid", s->mac);
                f.has_mac = true;
        }
        if (s->address && vn_addr_parse(s->address, &f.address) < 0)
                return vn_err(err, -EINVAL, "host address '%s': not an IPv4 or IPv6 address",
                              s->address);
        if (vn_addr_is_set(&f.address) && vn_addr_is_set(&f.to) && f.address.family != f.to.family)
                return vn_err(err, -EINVAL,
                              "host address and guest address are of different "
                              "families");
        *out = f;
        return 0;
}
