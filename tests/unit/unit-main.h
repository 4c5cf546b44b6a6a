/* SPDX-License-Identifier: MIT */
/* tests/unit/unit-main.h - the one main() of every GTest unit program.
 *
 * A unit program lists its tests in a table of MhUnitTest and ends with
 * MH_UNIT_MAIN(table); one that builds some paths in a loop, passes data
 * or uses a fixture adds those in a function given to MH_UNIT_MAIN_ADD
 * (run before the table, so each program registers its tests in the order it
 * always did: GLib runs a suite's cases in that order, and the TAP
 * output numbers them so).  Included once, by the program's own file.
 */
#ifndef MH_UNIT_MAIN_H
#define MH_UNIT_MAIN_H

#include <glib.h>

typedef struct {
  const char *path; /* the test's path, as TAP prints it */
  GTestFunc func;
} MhUnitTest;

/* mh_unit_main: initialises GTest, calls add (when not NULL), registers
 * the n_tests tests of tests, and runs them all. */
static inline int
mh_unit_main(int argc, char **argv, void (*add)(void), const MhUnitTest *tests,
             gsize n_tests)
{
  g_test_init(&argc, &argv, NULL);
  if (add != NULL)
    add();
  for (gsize i = 0; i < n_tests; i++)
    g_test_add_func(tests[i].path, tests[i].func);
  return g_test_run();
}

/* The program's main(): the tests of the table tests. */
#define MH_UNIT_MAIN(tests) MH_UNIT_MAIN_ADD(NULL, tests)

/* The program's main(): the tests add registers, then those of tests. */
#define MH_UNIT_MAIN_ADD(add, tests)                                  \
  int main(int argc, char **argv)                                     \
  {                                                                   \
    return mh_unit_main(argc, argv, add, tests, G_N_ELEMENTS(tests)); \
  }

/* The program's main(): only the tests add registers. */
#define MH_UNIT_MAIN_ONLY(add)                     \
  int main(int argc, char **argv)                  \
  {                                                \
    return mh_unit_main(argc, argv, add, NULL, 0); \
  }

#endif /* MH_UNIT_MAIN_H */
