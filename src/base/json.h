/* SPDX-License-Identifier: MIT */
/*
 * json.h - JSON written straight into a GString (RFC 8259): the report
 * and the trace.  A writer, not a tree: each value goes out as it is
 * given, the separators and (pretty) indentation placed by the writer.
 * Strings are escaped here, once (mh_json_escape()): every byte below
 * U+0020 and DEL as \uXXXX (or its short form), '"' and '\\'; the caller
 * gives UTF-8 (the report makes its text valid first).  Nesting is at
 * most MH_JSON_DEPTH_MAX deep.
 */
#ifndef MH_JSON_H
#define MH_JSON_H

#include <glib.h>

#define MH_JSON_DEPTH_MAX 32

typedef struct {
  GString *out;
  gboolean pretty; /* one member or element a line, indented by 2 */
  guint depth;     /* containers open                            */
  guint base;      /* indentation of the outermost level         */
  guint32 filled;  /* bit d: the container at depth d has a value */
  gboolean named;  /* a member name was written: its value next  */
} MhJson;

/* Starts a writer appending to @out; with @pretty, indented as if @base
 * containers enclosed it (for a fragment given to mh_json_raw()). */
void mh_json_init(MhJson *j, GString *out, gboolean pretty, guint base);

void mh_json_begin_object(MhJson *j);
void mh_json_end_object(MhJson *j);
void mh_json_begin_array(MhJson *j);
void mh_json_end_array(MhJson *j);
/* The name of the next member of the object being written. */
void mh_json_name(MhJson *j, const char *name);

void mh_json_string(MhJson *j, const char *text); /* NULL: null */
/* @len bytes of any kind as a string: valid UTF-8 kept (NUL and control
 * characters escaped), each byte of an invalid sequence replaced by
 * U+FFFD (a guest's console output, say). */
void mh_json_bytes(MhJson *j, const guint8 *data, gsize len);
void mh_json_null(MhJson *j);
void mh_json_bool(MhJson *j, gboolean value);
void mh_json_int(MhJson *j, gint64 value);
void mh_json_uint(MhJson *j, guint64 value);
/* The shortest decimal that reads back as @value, always with a '.' or
 * an exponent (a double stays a double); not finite: null. */
void mh_json_double(MhJson *j, gdouble value);
/* A value written by another writer (mh_json_init()'s @base set to where
 * it goes), as it is. */
void mh_json_raw(MhJson *j, const char *json);

/* @text as a JSON string, quotes included, appended to @out. */
void mh_json_escape(GString *out, const char *text);

#endif /* MH_JSON_H */
