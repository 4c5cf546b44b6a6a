/* SPDX-License-Identifier: MIT */
/*
 * text.h - names from outside (image and file names, directories) made
 * safe to print.
 */
#ifndef MH_TEXT_H
#define MH_TEXT_H

#include <glib.h>

/* Returns @name with every byte that could forge a line, a tag or a
 * terminal sequence escaped: control characters (newline, carriage
 * return, escape, ...) as \n, \r, \t or \ooo, a backslash as \\, and
 * any byte that is not part of valid UTF-8 as \ooo.  Printable text,
 * UTF-8 included, is unchanged: "héllo.img" stays as it is.  This is the
 * one function through which every outside name reaches standard output
 * or standard error. */
char *mh_text_escape(const char *name);

#endif /* MH_TEXT_H */
