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

/* The longest file name a file system takes (NAME_MAX). */
#define MH_TEXT_NAME_MAX 255

/* A file name made from an outside name: @prefix @stem @suffix, with
 * @stem shortened (at a character boundary, when it is UTF-8) so that
 * the whole fits MH_TEXT_NAME_MAX bytes.  Every file name derived from an
 * image's name (a VM's directory, its console file) is made by it, so
 * that no image name, however long, makes one that cannot be created. */
char *mh_text_file_name(const char *prefix, const char *stem,
                        const char *suffix);

#endif /* MH_TEXT_H */
