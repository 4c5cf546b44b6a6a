# src/local.mk - the mini_hypervisor binary and its unit-testable core.

# src/ by layer, each calling only those above it in this list (src/README).
# Everything but main.c goes into a convenience library that the GTest
# units link against too.
noinst_LIBRARIES += src/libmh.a
src_libmh_a_SOURCES = \
	src/base/error.c src/base/error.h \
	src/base/text.c src/base/text.h \
	src/base/fdio.c src/base/fdio.h \
	src/base/json.c src/base/json.h \
	src/base/jsonparse.c src/base/jsonparse.h \
	src/base/guestmem.c src/base/guestmem.h \
	src/base/outfile.c src/base/outfile.h \
	src/kvm/kvm.c src/kvm/kvm.h \
	src/kvm/vcpu.c src/kvm/vcpu.h \
	src/kvm/x86_64.c src/kvm/x86_64.h \
	src/devices/ports.c src/devices/ports.h \
	src/devices/console.c src/devices/console.h \
	src/devices/input.c src/devices/input.h \
	src/devices/fileproto.c src/devices/fileproto.h \
	src/devices/fileport.c src/devices/fileport.h \
	src/devices/fileio.c src/devices/fileio.h \
	src/debug/gdbproto.c src/debug/gdbproto.h \
	src/debug/gdbstub.c src/debug/gdbstub.h \
	src/debug/symbols.c src/debug/symbols.h \
	src/debug/trace.c src/debug/trace.h \
	src/vm/ending.c src/vm/ending.h \
	src/vm/exit.c src/vm/exit.h \
	src/vm/loader.c src/vm/loader.h \
	src/vm/sandbox.c src/vm/sandbox.h \
	src/vm/testhooks.c src/vm/testhooks.h \
	src/vm/vm.c src/vm/vm.h src/vm/vm-private.h src/vm/vm-loop.c \
	src/run/settings.h \
	src/run/report.c src/run/report.h \
	src/run/rundir.c src/run/rundir.h \
	src/run/run.c src/run/run.h src/run/run-private.h \
	src/run/run-slot.c src/run/run-wait.c src/run/run-end.c \
	src/run/run-jobs.c \
	src/cli/cli.c src/cli/cli.h \
	src/cli/joblist.c src/cli/joblist.h \
	guests/include/mh_abi.h

bin_PROGRAMS += src/mini_hypervisor
src_mini_hypervisor_SOURCES = src/cli/main.c
src_mini_hypervisor_LDADD = src/libmh.a $(GLIB_LIBS)

# The report's JSON Schema (mini_hypervisor-report(5)), for scripts and
# the tests that validate reports against it.
dist_pkgdata_DATA = src/report.schema.json
EXTRA_DIST += src/README

# make check-format: every C file of src/, tests/unit/ and fuzz/ as
# .clang-format has it (clang-format, Debian's 14).  tests/run-all runs
# it; `make format` rewrites them so.
mh_format_files = $(filter %.c %.h,$(src_libmh_a_SOURCES) \
	$(src_mini_hypervisor_SOURCES) src/base/sanitizer-options.c) \
	$(wildcard $(srcdir)/tests/unit/*.c $(srcdir)/tests/unit/*.h \
	$(srcdir)/fuzz/*.c $(srcdir)/fuzz/*.h)
check-format:
	$(AM_V_at)cd $(srcdir) && clang-format --dry-run -Werror \
	  $(patsubst $(srcdir)/%,%,$(mh_format_files))
format:
	$(AM_V_at)cd $(srcdir) && clang-format -i \
	  $(patsubst $(srcdir)/%,%,$(mh_format_files))
.PHONY: check-format format
EXTRA_DIST += .clang-format
