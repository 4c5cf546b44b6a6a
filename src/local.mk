# src/local.mk - the mini_hypervisor binary and its unit-testable core.

# Everything but main.c goes into a convenience library that the GTest
# units link against too.
noinst_LIBRARIES += src/libmh.a
src_libmh_a_SOURCES = \
	src/error.c src/error.h \
	src/fdio.c src/fdio.h \
	src/text.c src/text.h \
	src/fileio.c src/fileio.h \
	src/fileport.c src/fileport.h \
	src/fileproto.c src/fileproto.h \
	src/gdbproto.c src/gdbproto.h \
	src/gdbstub.c src/gdbstub.h \
	src/cli.c src/cli.h \
	src/console.c src/console.h \
	src/guestmem.c src/guestmem.h \
	src/input.c src/input.h \
	src/kvm.c src/kvm.h \
	src/loader.c src/loader.h \
	src/outfile.c src/outfile.h \
	src/ports.c src/ports.h \
	src/report.c src/report.h \
	src/rundir.c src/rundir.h \
	src/run.c src/run.h \
	src/sandbox.c src/sandbox.h \
	src/symbols.c src/symbols.h \
	src/testhooks.c src/testhooks.h \
	src/trace.c src/trace.h \
	src/vcpu.c \
	src/vm.c src/vm.h src/vm-private.h \
	src/x86_64.c src/x86_64.h \
	guests/include/mh_abi.h

bin_PROGRAMS += src/mini_hypervisor
src_mini_hypervisor_SOURCES = src/main.c
src_mini_hypervisor_LDADD = src/libmh.a $(JSON_GLIB_LIBS) $(GLIB_LIBS)

# The report's JSON Schema (mini_hypervisor-report(5)), for scripts and
# the tests that validate reports against it.
dist_pkgdata_DATA = src/report.schema.json
