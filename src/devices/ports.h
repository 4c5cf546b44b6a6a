/* SPDX-License-Identifier: MIT */
/*
 * ports.h - the I/O port table: which device answers which port.
 *
 * Devices know nothing about KVM: a handler gets one MhIoAccess describing
 * the whole exit (direction, width, repeat count and the data buffer) and
 * the device's own state through an opaque pointer.  It handles every
 * @count element or refuses the access with a GError (a protocol
 * violation that stops the VM).
 */
#ifndef MH_PORTS_H
#define MH_PORTS_H

#include <glib.h>

typedef enum { MH_IO_IN, MH_IO_OUT } MhIoDir;

typedef struct {
  guint16 port; /* port number                                    */
  MhIoDir dir;  /* IN: the handler fills @data; OUT: it reads it  */
  guint size;   /* bytes per element: 1, 2 or 4                   */
  guint count;  /* elements (> 1 for rep ins/outs)                */
  guint8 *data; /* size * count bytes                             */
} MhIoAccess;

typedef gboolean (*MhPortHandler)(gpointer opaque, const MhIoAccess *io,
                                  GError **error);

/* A device: its ports, its I/O handler and its lifecycle hooks, one
 * record per kind of device, beside its code (console.c, fileport.c).
 * Each hook runs on the VM's thread with the device's own state. */
typedef struct {
  const char *name; /* for diagnostics and statistics   */
  guint16 first;    /* its ports: [first, first + count) */
  guint16 count;
  MhPortHandler io;
  /* After the guest's last instruction: what it wrote goes out, what it
   * holds is closed.  NULL: nothing to do. */
  void (*quiesce)(gpointer state);
  /* Back to the state right after set-up, for the next guest on the
   * same VM.  NULL: it cannot be reset (the VM is then made anew). */
  gboolean (*reset)(gpointer state, GError **error);
} MhDeviceOps;

typedef struct {
  guint16 first;    /* first port of the range          */
  guint16 count;    /* ports in the range               */
  const char *name; /* for diagnostics and statistics   */
  MhPortHandler handler;
  gpointer opaque;        /* the device state                 */
  const MhDeviceOps *ops; /* its device, or NULL: ports only */
  guint64 in_ops;         /* statistics: IN and OUT exits     */
  guint64 out_ops;
} MhPortRange;

#define MH_PORTS_MAX 8

typedef struct {
  MhPortRange ranges[MH_PORTS_MAX];
  guint n_ranges;
} MhPortTable;

/* Adds the range [@first, @first + @count); refuses, saying why, one that
 * is empty, ends past port 0xFFFF, overlaps a registered range or does
 * not fit in the table.  @name is kept, not copied: a static string. */
gboolean mh_ports_register(MhPortTable *table, guint16 first, guint16 count,
                           const char *name, MhPortHandler handler,
                           gpointer opaque, GError **error);

/* Adds device @ops (its ports, as mh_ports_register()) with its state
 * @opaque. */
gboolean mh_ports_add_device(MhPortTable *table, const MhDeviceOps *ops,
                             gpointer opaque, GError **error);
/* Every device's quiesce hook, in the order they were added. */
void mh_ports_quiesce(MhPortTable *table);
/* Every device's reset hook, in order; FALSE, saying which, at the first
 * that fails or has none. */
gboolean mh_ports_reset(MhPortTable *table, GError **error);

/* Routes @io to its handler.  An unregistered port is a guest error. */
gboolean mh_ports_dispatch(MhPortTable *table, const MhIoAccess *io,
                           GError **error);

#endif /* MH_PORTS_H */
