/* SPDX-License-Identifier: MIT */
/*
 * jsonparse.h - JSON read into a tree (RFC 8259), for what the user
 * gives mini_hypervisor as JSON (a --jobs list, one line at a time).
 *
 * Strict, as input that names files must be:
 *  - one value, with JSON's four whitespace characters around it only; no
 *    comments, trailing commas, single quotes, NaN or Infinity;
 *  - strings are valid UTF-8, escapes included (a \u escape of half a
 *    surrogate pair is refused), and hold no NUL, written or escaped:
 *    every string here is a path, a name or an id, which a NUL would cut;
 *  - an object names each member once (a repeated name is refused, not
 *    resolved to the first or the last);
 *  - nesting at most MH_JSON_DEPTH_MAX (json.h) deep.
 * A number without fraction or exponent that fits 64 bits is an integer
 * (MH_JSON_INT); every other number is a double.  An error says what was
 * wrong and where: "column N" counts bytes from 1.
 */
#ifndef MH_JSONPARSE_H
#define MH_JSONPARSE_H

#include <glib.h>

typedef enum {
  MH_JSON_NULL,
  MH_JSON_BOOL,
  MH_JSON_INT,
  MH_JSON_DOUBLE,
  MH_JSON_STRING,
  MH_JSON_ARRAY,
  MH_JSON_OBJECT,
} MhJsonKind;

typedef struct MhJsonValue MhJsonValue;

typedef struct {
  char *name;
  MhJsonValue *value;
} MhJsonMember;

struct MhJsonValue {
  MhJsonKind kind;
  union {
    gboolean boolean; /* MH_JSON_BOOL                        */
    gint64 integer;   /* MH_JSON_INT                         */
    gdouble number;   /* MH_JSON_DOUBLE                      */
    char *string;     /* MH_JSON_STRING: UTF-8, no NUL       */
    GPtrArray *items; /* MH_JSON_ARRAY: MhJsonValue *, owned */
    GArray *members;  /* MH_JSON_OBJECT: MhJsonMember, in the
                          order written, owned                */
  };
};

/* The value that @text (@len bytes; -1: up to its NUL) holds, or NULL with
 * @error set (MH_ERROR, MH_ERROR_USAGE). */
MhJsonValue *mh_json_parse(const char *text, gssize len, GError **error);
void mh_json_value_free(MhJsonValue *value);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MhJsonValue, mh_json_value_free)

/* The member of @object called @name, or NULL. */
const MhJsonValue *mh_json_member(const MhJsonValue *object, const char *name);
/* "a string", "an object"...: for messages about a value of the wrong
 * kind. */
const char *mh_json_kind_name(MhJsonKind kind);

#endif /* MH_JSONPARSE_H */
