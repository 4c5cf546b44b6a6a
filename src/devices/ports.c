/* SPDX-License-Identifier: MIT */
/* ports.c - I/O port registration and dispatch. */
#include "config.h"

#include "ports.h"

#include "error.h"

gboolean
mh_ports_register(MhPortTable *table, guint16 first, guint16 count,
                  const char *name, MhPortHandler handler, gpointer opaque,
                  GError **error)
{
  guint32 end = (guint32)first + count;
  g_autofree char *why = NULL;

  g_return_val_if_fail(handler != NULL && name != NULL, FALSE);
  /* Each refusal says why. */
  if (count == 0)
    why = g_strdup("it is empty");
  else if (end > 0x10000u)
    why = g_strdup("it ends past port 0xffff");
  else if (table->n_ranges == MH_PORTS_MAX)
    why = g_strdup_printf("the port table is full (%u ranges)", MH_PORTS_MAX);
  if (why != NULL) {
    g_set_error(error, MH_ERROR, MH_ERROR_HOST,
                "cannot register port range 0x%x+%u for %s: %s", first, count,
                name, why);
    return FALSE;
  }
  for (guint i = 0; i < table->n_ranges; i++) {
    const MhPortRange *r = &table->ranges[i];
    if (first < (guint32)r->first + r->count && r->first < end) {
      g_set_error(error, MH_ERROR, MH_ERROR_HOST,
                  "port range 0x%x+%u for %s overlaps %s (0x%x+%u)", first,
                  count, name, r->name, r->first, r->count);
      return FALSE;
    }
  }
  table->ranges[table->n_ranges++] = (MhPortRange){
    .first = first,
    .count = count,
    .name = name,
    .handler = handler,
    .opaque = opaque,
  };
  return TRUE;
}

gboolean
mh_ports_add_device(MhPortTable *table, const MhDeviceOps *ops, gpointer opaque,
                    GError **error)
{
  if (!mh_ports_register(table, ops->first, ops->count, ops->name, ops->io,
                         opaque, error))
    return FALSE;
  table->ranges[table->n_ranges - 1].ops = ops;
  return TRUE;
}

void
mh_ports_quiesce(MhPortTable *table)
{
  for (guint i = 0; i < table->n_ranges; i++) {
    const MhPortRange *r = &table->ranges[i];
    if (r->ops != NULL && r->ops->quiesce != NULL)
      r->ops->quiesce(r->opaque);
  }
}

gboolean
mh_ports_reset(MhPortTable *table, GError **error)
{
  for (guint i = 0; i < table->n_ranges; i++) {
    MhPortRange *r = &table->ranges[i];
    if (r->ops == NULL || r->ops->reset == NULL) {
      g_set_error(error, MH_ERROR, MH_ERROR_HOST,
                  "the %s device cannot be reset", r->name);
      return FALSE;
    }
    if (!r->ops->reset(r->opaque, error)) {
      g_prefix_error(error, "cannot reset the %s device: ", r->name);
      return FALSE;
    }
    r->in_ops = r->out_ops = 0;
  }
  return TRUE;
}

gboolean
mh_ports_dispatch(MhPortTable *table, const MhIoAccess *io, GError **error)
{
  for (guint i = 0; i < table->n_ranges; i++) {
    MhPortRange *r = &table->ranges[i];
    if (io->port >= r->first && io->port - r->first < r->count) {
      if (io->dir == MH_IO_IN)
        r->in_ops++;
      else
        r->out_ops++;
      return r->handler(r->opaque, io, error);
    }
  }
  g_set_error(error, MH_ERROR, MH_ERROR_GUEST,
              "%u-byte %s on unknown port 0x%x", io->size,
              io->dir == MH_IO_IN ? "IN" : "OUT", io->port);
  return FALSE;
}
