# SPDX-License-Identifier: MIT
# fuzz/local.mk - sanitizer builds and the libFuzzer harnesses (included
# from the top-level Makefile.am; paths are relative to the top directory).
#
#   configure --enable-sanitizers=LIST   the hypervisor and the unit tests
#                                        get src/base/sanitizer-options.c too
#   make fuzz                            builds the harnesses with clang
#   make fuzz-run FUZZ_SECONDS=N         runs each for N seconds
#   make valgrind-check                  memcheck on a set of real runs
#
# None of this is built by `make` or `make check`.

# --- Sanitizer builds ---------------------------------------------------------
# The default sanitizer options (exit status 86 on any report, leak
# checks, suppressions) are compiled into the programs: see the file.
# A report also leaves a note in sanitizer-logs/, and fuzz/sanitizer-
# reports, run after every other test, fails if it finds one: so a report
# fails make check even where the test that ran the program accepts any
# exit status.
if MH_SANITIZE
src_mini_hypervisor_SOURCES += src/base/sanitizer-options.c
unit_ldadd += src/base/sanitizer-options.$(OBJEXT)
MH_SAN_REPORT_DIR = $(abs_top_builddir)/sanitizer-logs
AM_TESTS_ENVIRONMENT += \
	MH_SAN_REPORT_DIR='$(MH_SAN_REPORT_DIR)'; export MH_SAN_REPORT_DIR; \
	mkdir -p "$$MH_SAN_REPORT_DIR";
TESTS += fuzz/sanitizer-reports
# After every other test.  (The target is in a variable: automake would
# take a literal one as replacing its own rule for that log.)
mh_san_reports_log = fuzz/sanitizer-reports.log
$(mh_san_reports_log): $(filter-out $(mh_san_reports_log),$(TEST_LOGS))
endif
EXTRA_DIST += src/base/sanitizer-options.c fuzz/sanitizer-reports

# --- libFuzzer harnesses ------------------------------------------------------
# Built with clang (-fsanitize=fuzzer needs it), from the src/ sources
# directly: the objects in src/libmh.a are GCC's and carry no coverage.
FUZZ_CC = clang
FUZZ_SANITIZE = -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
# (-Wno-missing-field-initializers: clang warns inside libseccomp's own
# SCMP_A0() macros, which sandbox.c uses; GCC does not.)
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer $(FUZZ_SANITIZE) $(WARN_CFLAGS) \
	-Wno-missing-field-initializers \
	-I$(top_builddir) $(MH_SRC_INCLUDES) -I$(top_srcdir)/guests/include \
	-I$(top_srcdir)/fuzz $(GLIB_CFLAGS) $(SECCOMP_CFLAGS) $(LIBELF_CFLAGS)
# ($(LIBS): libseccomp, libelf and zlib, which src/debug/symbols.c
# inflates with.)
FUZZ_LIBS = $(GLIB_LIBS) $(LIBS)
FUZZ_SECONDS = 20

fuzz_harnesses = bytechannel blockreq linebuf cli joblist loader router gdbpacket
fuzz_programs = $(fuzz_harnesses:%=fuzz/fuzz_%)

# Each harness and the src/ files it needs (listed in full, so make
# rebuilds a harness when one of them changes).
fuzz_link = $(AM_V_CCLD)mkdir -p $(@D) && \
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(FUZZ_LIBS)
fuzz_deps = $(srcdir)/fuzz/fuzz-common.h config.h

fuzz/fuzz_bytechannel: $(srcdir)/fuzz/fuzz_bytechannel.c \
		$(srcdir)/src/devices/fileproto.c $(fuzz_deps)
	$(fuzz_link)
fuzz/fuzz_blockreq: $(srcdir)/fuzz/fuzz_blockreq.c \
		$(srcdir)/src/devices/fileio.c $(srcdir)/src/base/fdio.c \
		$(srcdir)/src/devices/fileport.c $(srcdir)/src/devices/fileproto.c \
		$(srcdir)/src/base/guestmem.c $(srcdir)/src/base/error.c \
		$(srcdir)/src/base/text.c $(fuzz_deps)
	$(fuzz_link)
fuzz/fuzz_linebuf: $(srcdir)/fuzz/fuzz_linebuf.c $(srcdir)/src/devices/console.c \
		$(srcdir)/src/devices/input.c $(srcdir)/src/base/fdio.c \
		$(srcdir)/src/base/error.c $(fuzz_deps)
	$(fuzz_link)
fuzz/fuzz_cli: $(srcdir)/fuzz/fuzz_cli.c $(srcdir)/src/cli/cli.c \
		$(srcdir)/src/cli/joblist.c $(srcdir)/src/base/jsonparse.c \
		$(srcdir)/src/base/error.c $(srcdir)/src/base/text.c $(fuzz_deps)
	$(fuzz_link)
fuzz/fuzz_joblist: $(srcdir)/fuzz/fuzz_joblist.c $(srcdir)/src/cli/joblist.c \
		$(srcdir)/src/cli/cli.c $(srcdir)/src/base/jsonparse.c \
		$(srcdir)/src/base/error.c $(srcdir)/src/base/text.c $(fuzz_deps)
	$(fuzz_link)
fuzz/fuzz_loader: $(srcdir)/fuzz/fuzz_loader.c $(srcdir)/src/vm/loader.c \
		$(srcdir)/src/debug/symbols.c $(srcdir)/src/base/error.c $(srcdir)/src/base/text.c \
		$(fuzz_deps)
	$(fuzz_link)
fuzz/fuzz_router: $(srcdir)/fuzz/fuzz_router.c $(srcdir)/src/devices/input.c \
		$(srcdir)/src/base/fdio.c $(fuzz_deps)
	$(fuzz_link)

fuzz/fuzz_gdbpacket: $(srcdir)/fuzz/fuzz_gdbpacket.c $(srcdir)/src/debug/gdbproto.c \
		$(fuzz_deps)
	$(fuzz_link)

fuzz: $(fuzz_programs)

# Runs each harness for FUZZ_SECONDS on a scratch copy of its seed corpus
# (the seeds in git stay as they are); fails on the first crash, leak or
# timeout, leaving the reproducer in fuzz/work/artifacts/.
# The loader also starts from real ELF guests, with symbols and DWARF:
# copied from the build into the learned corpus, since built binaries do
# not belong in the source (lintian: source-is-missing).
fuzz_elf_seeds = guests/examples/hello.elf tests/guests/unknown_port.elf
fuzz-run: fuzz $(fuzz_elf_seeds)
	$(AM_V_at)mkdir -p fuzz/work/corpus/loader && \
	  cp $(fuzz_elf_seeds) fuzz/work/corpus/loader/
	$(AM_V_at)$(SHELL) $(srcdir)/fuzz/run-fuzzers --seconds $(FUZZ_SECONDS) \
	  --corpus $(srcdir)/fuzz/corpus --bin fuzz --out fuzz/work \
	  $(fuzz_harnesses)

# valgrind memcheck on representative runs of the built hypervisor.
valgrind-check: all $(check_DATA)
	$(AM_V_at)$(MH_WITH_KVM) $(SHELL) $(srcdir)/fuzz/valgrind-check \
	  --bin src/mini_hypervisor --guests guests/examples \
	  --test-guests tests/guests

.PHONY: fuzz fuzz-run valgrind-check
CLEANFILES += $(fuzz_programs)
mostlyclean-local: fuzz-clean-local
fuzz-clean-local:
	-rm -rf fuzz/work sanitizer-logs
.PHONY: fuzz-clean-local

EXTRA_DIST += fuzz/fuzz-common.h fuzz/fuzz_bytechannel.c fuzz/fuzz_blockreq.c \
	fuzz/fuzz_linebuf.c fuzz/fuzz_cli.c fuzz/fuzz_joblist.c fuzz/fuzz_loader.c \
	fuzz/fuzz_router.c \
	fuzz/fuzz_gdbpacket.c \
	fuzz/run-fuzzers fuzz/valgrind-check \
	fuzz/corpus
