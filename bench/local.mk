# SPDX-License-Identifier: MIT
# bench/local.mk - the benchmarks against the raw-KVM floor (included from
# the top-level Makefile.am; paths are relative to the top directory).
#
#   make bench        every scenario, medians of 11 runs; writes
#                     bench/RESULTS.md in the source directory
#   make bench-quick  every scenario once, prints the table (for CI: it
#                     fails only if a run fails, never on speed)
#
# Nothing here is built by `make`, `make check` or installed: the floor,
# the measuring helper and the bench guests are built on demand by these
# two targets only.  bench/run-bench says what each scenario measures.

EXTRA_PROGRAMS = bench/floor bench/minimal bench/measure

# The floor uses no GLib: only the ABI header, for the ports and
# struct mh_file_req.
bench_floor_SOURCES = bench/floor.c
bench_floor_CPPFLAGS = -I$(top_srcdir)/guests/include
bench_floor_CFLAGS = $(WARN_CFLAGS) -pthread
bench_floor_LDFLAGS = -pthread

# The minimal runner: libc and the ABI header only, one thread.
bench_minimal_SOURCES = bench/minimal.c
bench_minimal_CPPFLAGS = -I$(top_srcdir)/guests/include
bench_minimal_CFLAGS = $(WARN_CFLAGS)

bench_measure_SOURCES = bench/measure.c
bench_measure_CPPFLAGS =
bench_measure_CFLAGS = $(WARN_CFLAGS)

# Guests small enough to write in nasm: a halt-only guest and two that
# write 20,000 console bytes (rep outsb, and one OUT per byte).
mh_bench_imgs = bench/halt.img bench/console20k.img bench/console20k_outb.img

$(mh_bench_imgs): bench/%.img: $(srcdir)/bench/%.asm
	@mkdir -p $(@D)
	$(AM_V_GEN)$(NASM) -f bin -o $@ $(srcdir)/bench/$*.asm

# Everything run-bench runs: both programs, the bench guests, and guests
# from the tests (file reads) and the examples (one line each).
mh_bench_deps = src/mini_hypervisor$(EXEEXT) bench/floor$(EXEEXT) \
	bench/minimal$(EXEEXT) \
	bench/measure$(EXEEXT) $(mh_bench_imgs) tests/guests/fread_bench.img \
	tests/guests/fread_bench_byte.img guests/examples/hello.img \
	guests/examples/echo.img

PYTHON3 = python3
MH_BENCH = $(PYTHON3) $(srcdir)/bench/run-bench --builddir . \
	--srcdir $(srcdir)

bench: $(mh_bench_deps)
	$(MH_WITH_KVM) $(MH_BENCH) --results $(srcdir)/bench/RESULTS.md

bench-quick: $(mh_bench_deps)
	$(MH_WITH_KVM) $(MH_BENCH) --quick

.PHONY: bench bench-quick

EXTRA_DIST += bench/run-bench bench/halt.asm bench/console20k.asm \
	bench/console20k_outb.asm bench/RESULTS.md
CLEANFILES += $(EXTRA_PROGRAMS) $(mh_bench_imgs)
