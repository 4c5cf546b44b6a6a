# tests/local.mk - make check: GTest units and bats end-to-end tests,
# both through the automake TAP driver.

include tests/guests/local.mk
include tests/guests/hostile/local.mk

TAP_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
LOG_DRIVER = $(TAP_DRIVER)
TEST_EXTENSIONS = .bats
BATS_LOG_DRIVER = $(TAP_DRIVER)
# Everything that starts VMs goes through tests/kvm-host --when-needed:
# here on a working /dev/kvm, else in the KVM host (kvm_amd in QEMU), one
# boot per command.  MH_KVM_HOST=never|auto|always forces either.
MH_WITH_KVM = env MH_KVM_HOST_DIR='$(abs_top_builddir)/kvm-host.d' \
	$(SHELL) $(top_srcdir)/tests/kvm-host --when-needed --
BATS_LOG_COMPILER = $(MH_WITH_KVM) $(BATS)
AM_BATS_LOG_FLAGS = --tap
AM_BATS_LOG_DRIVER_FLAGS = --ignore-exit

# The tests find what they test through these variables; unset, they fall
# back to the installed paths (so the same files test an installed package).
AM_TESTS_ENVIRONMENT = \
	MH_BIN='$(abs_top_builddir)/src/mini_hypervisor'; export MH_BIN; \
	MH_GUESTS='$(abs_top_builddir)/guests/examples'; export MH_GUESTS; \
	MH_TEST_GUESTS='$(abs_top_builddir)/tests/guests'; export MH_TEST_GUESTS; \
	MH_TESTS_SRCDIR='$(abs_top_srcdir)/tests'; export MH_TESTS_SRCDIR; \
	MH_COMPLETION='$(abs_top_srcdir)/src/mini_hypervisor.bash-completion'; export MH_COMPLETION; \
	MH_BATCH='$(abs_top_srcdir)/examples/batch'; export MH_BATCH; \
	MH_REPORT_SCHEMA='$(abs_top_srcdir)/src/report.schema.json'; export MH_REPORT_SCHEMA; \
	G_TEST_SRCDIR='$(abs_top_srcdir)/tests/unit'; export G_TEST_SRCDIR; \
	G_TEST_BUILDDIR='$(abs_top_builddir)/tests/unit'; export G_TEST_BUILDDIR;

unit_tests = \
	tests/unit/test-cli \
	tests/unit/test-x86 \
	tests/unit/test-guestmem \
	tests/unit/test-guestmem-peek \
	tests/unit/test-fdio \
	tests/unit/test-console \
	tests/unit/test-input \
	tests/unit/test-fileproto \
	tests/unit/test-fileio \
	tests/unit/test-ports \
	tests/unit/test-gdbproto \
	tests/unit/test-loader \
	tests/unit/test-symbols \
	tests/unit/test-trace \
	tests/unit/test-report \
	tests/unit/test-exit \
	tests/unit/test-json \
	tests/unit/test-jsonparse \
	tests/unit/test-joblist \
	tests/unit/test-text
check_PROGRAMS += $(unit_tests)
TESTS += $(unit_tests)
# Their one main() (each program includes it).
EXTRA_DIST += tests/unit/unit-main.h

unit_ldadd = src/libmh.a $(JSON_GLIB_LIBS) $(GLIB_LIBS)
tests_unit_test_cli_LDADD = $(unit_ldadd)
tests_unit_test_x86_LDADD = $(unit_ldadd)
tests_unit_test_guestmem_LDADD = $(unit_ldadd)
tests_unit_test_guestmem_peek_LDADD = $(unit_ldadd)
tests_unit_test_fdio_LDADD = $(unit_ldadd)
tests_unit_test_console_LDADD = $(unit_ldadd)
tests_unit_test_input_LDADD = $(unit_ldadd)
tests_unit_test_fileproto_LDADD = $(unit_ldadd)
tests_unit_test_fileio_LDADD = $(unit_ldadd)
tests_unit_test_ports_LDADD = $(unit_ldadd)
tests_unit_test_gdbproto_LDADD = $(unit_ldadd)
tests_unit_test_loader_LDADD = $(unit_ldadd)
tests_unit_test_symbols_LDADD = $(unit_ldadd)
tests_unit_test_trace_LDADD = $(unit_ldadd)
tests_unit_test_report_LDADD = $(unit_ldadd)
tests_unit_test_exit_LDADD = $(unit_ldadd)
tests_unit_test_json_LDADD = $(unit_ldadd)
tests_unit_test_jsonparse_LDADD = $(unit_ldadd)
tests_unit_test_joblist_LDADD = $(unit_ldadd)
tests_unit_test_text_LDADD = $(unit_ldadd)

# The bats files, all distributed; bats_tests is what make check runs
# (make check bats_tests= runs the units only, as debian/rules does
# without KVM: overriding it must not drop the files from the tarball).
bats_test_files = \
	tests/cli.bats \
	tests/vm.bats \
	tests/multivm.bats \
	tests/files.bats \
	tests/sandbox.bats \
	tests/host.bats \
	tests/hostile.bats \
	tests/readme.bats \
	tests/batch.bats \
	tests/gdb.bats \
	tests/elf.bats \
	tests/trace.bats \
	tests/report.bats \
	tests/jobs.bats
bats_tests = $(bats_test_files)
if HAVE_BATS
TESTS += $(bats_tests)
else
check-local:
	@echo "bats is required for make check (apt-get install bats bats-assert bats-support bats-file)" >&2; exit 1
endif
EXTRA_DIST += $(bats_test_files) tests/helpers.bash tests/run-all tests/kvm-host \
	tests/slurm.bats tests/slurm-cluster tests/elf-bomb

# make check-slurm: the grading example as a Slurm job array on a
# single-node Slurm this test starts (root; slurm-wlm and munge).  Not in
# make check, which must not start daemons; tests/run-all runs it.  Slurm
# runs on this machine (it does not start inside the KVM host), and each
# job's VM where KVM is (tests/kvm-host --when-needed).
check-slurm: all $(check_PROGRAMS)
	@$(AM_TESTS_ENVIRONMENT) MH_KVM_HOST_DIR='$(abs_top_builddir)/kvm-host.d'; export MH_KVM_HOST_DIR; \
	$(BATS) --tap $(srcdir)/tests/slurm.bats
.PHONY: check-slurm

# make check-tap BATS_FILES='tests/vm.bats ...' [MH_NPT=0|1]: those bats
# files as one TAP stream on standard output, with make check's test
# environment; with MH_NPT, on kvm_amd in the KVM host with that nested
# paging setting (tests/run-all runs the kvm_amd steps so).  Nothing is
# built: make check TESTS= first.
check-tap:
	@$(AM_TESTS_ENVIRONMENT) \
	if test -n "$(MH_NPT)"; then \
	  env MH_KVM_HOST_DIR='$(abs_top_builddir)/kvm-host.d' $(SHELL) $(top_srcdir)/tests/kvm-host --npt '$(MH_NPT)' -- \
	    $(BATS) --tap $(BATS_FILES); \
	else \
	  $(MH_WITH_KVM) $(BATS) --tap $(BATS_FILES); \
	fi
.PHONY: check-tap

clean-local: mh-clean-kvm-host
mh-clean-kvm-host:
	rm -rf kvm-host.d
.PHONY: mh-clean-kvm-host

# installcheck (and so distcheck) builds a guest from the installed SDK.
installcheck-local: mh-sdk-installcheck
