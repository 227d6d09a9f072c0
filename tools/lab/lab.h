/*
 * lab.h: `vnet lab` — realize a network inside a throwaway sandbox and check
 * that it behaves as its forward mode promises.
 *
 * The sandbox: a "host" network namespace with its own --root where vnet
 * runs, an "uplink" namespace behind it playing the outside world (with a
 * listener that answers with the source address it sees), and N guest
 * namespaces plugged into the network. Nothing touches the namespace the
 * caller runs in.
 */
#ifndef VNET_LAB_H
#define VNET_LAB_H

#include <stdbool.h>

#include "net.h"
#include "util.h"

enum vn_lab_cell { VN_LAB_NA = 0, VN_LAB_OK, VN_LAB_BLOCKED, VN_LAB_FAIL };

struct vn_lab_guest {
        char name[16];
        char addr[VN_ADDR_STRLEN];
        bool leased;         /* address by DHCP (else assigned statically) */
        enum vn_lab_cell gw;
        double gw_ms;
        enum vn_lab_cell uplink;
        char seen_as[VN_ADDR_STRLEN]; /* what the uplink listener saw */
        const char *seen_kind;        /* "NAT", "routed" */
        enum vn_lab_cell dns;
        enum vn_lab_cell others;
        bool expected_ok;    /* every cell as the mode promises */
        bool qemu;           /* a QEMU guest (--qemu: g1), not a namespace */
        double lease_s;      /* QEMU: seconds from QEMU's start to the guest's address */
        char note[160];
};

struct vn_lab_report {
        char network[64];
        char mode[16];
        char subnet[64];
        char bridge[16];
        double up_ms;
        struct vn_lab_guest *guests;
        size_t n_guests;
        double teardown_ms;
        unsigned left_links, left_rules, left_procs;
        bool teardown_clean;
        bool ok;             /* every expectation held */
        char sandbox[64];    /* name prefix of the namespaces (for --keep) */
        char root[256];      /* --root used inside the host namespace */
        char uplink_addr[VN_ADDR_STRLEN];
};

struct vn_lab_opts {
        const char *file;
        unsigned guests;     /* default 2 */
        bool keep;           /* leave the sandbox up */
        int fw_backend;      /* enum vn_fw_backend for the network (default: auto) */
        bool qemu;           /* g1 is a real QEMU guest (TCG unless $VNET_LAB_ACCEL=kvm) */
        const char *kernel;  /* --qemu: kernel and initramfs (default: vnet-guest-build's, */
        const char *initrd;  /*   built once and cached) */
        void (*progress)(void *userdata, const char *msg);
        void *userdata;
};

/* --qemu: the QEMU binary ($VNET_QEMU, else qemu-system-x86_64 on PATH), or NULL. */
const char *vn_lab_qemu_binary(void);

/* Runs the lab. Returns 0 when the sandbox could be built and checked (report->ok tells
 * whether every expectation held), negative errno when the lab itself could not run. */
int vn_lab_run(const struct vn_lab_opts *opts, struct vn_lab_report *report, struct vn_error *err);
void vn_lab_report_free(struct vn_lab_report *r);
const char *vn_lab_cell_name(enum vn_lab_cell c);

#endif
