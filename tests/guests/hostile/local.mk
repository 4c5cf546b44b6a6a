# SPDX-License-Identifier: MIT
# tests/guests/hostile/local.mk - the hostile guests of tests/hostile.bats
# (included from tests/local.mk; paths are relative to the top
# directory).  Each one misbehaves in one way, or a few ways picked by its
# first input byte, and says in its header comment what the hypervisor
# must do.  Built for `make check` only (check_DATA), with the flags and
# SDK of guests/local.mk, by the same rules as tests/guests/local.mk.

# Guests in C on top of the SDK (crt0.o + libmhguest.a).
mh_hostile_c_objs = \
	tests/guests/hostile/block_extremes.o \
	tests/guests/hostile/block_self_overlap.o \
	tests/guests/hostile/ctrl_names.o \
	tests/guests/hostile/double_close.o \
	tests/guests/hostile/fd_hog.o \
	tests/guests/hostile/monitor_write.o \
	tests/guests/hostile/open_flood.o \
	tests/guests/hostile/quota_flood.o \
	tests/guests/hostile/rep_string.o \
	tests/guests/hostile/sparse_write.o \
	tests/guests/hostile/transport_mix.o \
	tests/guests/hostile/unknown_cmds.o
# Guests in GNU assembler with their own _start and no SDK.
mh_hostile_asm_objs = \
	tests/guests/hostile/bogus_msr.o \
	tests/guests/hostile/console_flood.o \
	tests/guests/hostile/console_forge.o \
	tests/guests/hostile/cpuid_rdtsc.o \
	tests/guests/hostile/cr8_tpr.o \
	tests/guests/hostile/cross_end_access.o \
	tests/guests/hostile/garbage_cr.o \
	tests/guests/hostile/hypercall.o \
	tests/guests/hostile/input_after_eof.o \
	tests/guests/hostile/insn_straddles_end.o \
	tests/guests/hostile/int_no_idt.o \
	tests/guests/hostile/last40_block.o \
	tests/guests/hostile/lgdt_garbage.o \
	tests/guests/hostile/lowmem_scribble.o \
	tests/guests/hostile/noncanonical_jump.o \
	tests/guests/hostile/port_matrix.o \
	tests/guests/hostile/read_over_code.o \
	tests/guests/hostile/run_off_end.o \
	tests/guests/hostile/self_modify.o \
	tests/guests/hostile/spin_exitless.o \
	tests/guests/hostile/stack_overflow.o \
	tests/guests/hostile/sti_hlt.o

mh_hostile_c_elfs = $(mh_hostile_c_objs:.o=.elf)
mh_hostile_asm_elfs = $(mh_hostile_asm_objs:.o=.elf)
mh_hostile_imgs = $(mh_hostile_c_objs:.o=.img) $(mh_hostile_asm_objs:.o=.img)
mh_hostile_hdrs = $(mh_test_asm_hdrs) \
	$(srcdir)/tests/guests/hostile/hostile_c.h

$(mh_hostile_c_objs): tests/guests/hostile/%.o: $(srcdir)/tests/guests/hostile/%.c $(MH_GUEST_HDRS) $(mh_hostile_hdrs)
	@mkdir -p $(@D)
	$(AM_V_CC)$(CC) $(MH_GUEST_COPTS) -c -o $@ $<

$(mh_hostile_asm_objs): tests/guests/hostile/%.o: $(srcdir)/tests/guests/hostile/%.S $(MH_GUEST_HDRS) $(mh_hostile_hdrs)
	@mkdir -p $(@D)
	$(AM_V_CC)$(CC) $(MH_GUEST_COPTS) -I$(srcdir)/tests/guests -c -o $@ $<

$(mh_hostile_c_elfs): tests/guests/hostile/%.elf: tests/guests/hostile/%.o $(MH_GUEST_CRT0) $(MH_GUEST_LIB) $(MH_GUEST_LDSCRIPT)
	$(AM_V_CCLD)$(CC) $(MH_GUEST_LDOPTS) -o $@ $(MH_GUEST_CRT0) $< $(MH_GUEST_LIB)

$(mh_hostile_asm_elfs): tests/guests/hostile/%.elf: tests/guests/hostile/%.o $(MH_GUEST_LDSCRIPT)
	$(AM_V_CCLD)$(CC) $(MH_GUEST_LDOPTS) -o $@ $<

$(mh_hostile_imgs): tests/guests/hostile/%.img: tests/guests/hostile/%.elf
	$(AM_V_GEN)$(OBJCOPY) -O binary $< $@

check_DATA += $(mh_hostile_imgs)

EXTRA_DIST += $(mh_hostile_c_objs:.o=.c) $(mh_hostile_asm_objs:.o=.S) \
	tests/guests/hostile/hostile_c.h
CLEANFILES += $(mh_hostile_c_objs) $(mh_hostile_asm_objs) \
	$(mh_hostile_c_elfs) $(mh_hostile_asm_elfs) $(mh_hostile_imgs)
