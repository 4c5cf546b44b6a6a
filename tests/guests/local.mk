# SPDX-License-Identifier: MIT
# tests/guests/local.mk - the small guests the tests run, each with one
# known outcome (included from tests/local.mk; paths are relative to the
# top directory).  They are built for `make check` only (check_DATA),
# with the flags and SDK from guests/local.mk.

# Guests in C on top of the SDK (crt0.o + libmhguest.a).
mh_test_c_objs = tests/guests/ok.o tests/guests/fail.o tests/guests/spin.o \
	tests/guests/readall.o tests/guests/print_boot.o \
	tests/guests/page_fault.o tests/guests/bss_stack.o tests/guests/mmio.o \
	tests/guests/fshell.o tests/guests/fread_bench.o \
	tests/guests/fread_bench_byte.o tests/guests/prompt.o \
	tests/guests/gdb_target.o \
	tests/guests/elf_page_fault.o tests/guests/elf_jump.o \
	tests/guests/elf_port.o
# Guests in GNU assembler with their own _start and no SDK.
mh_test_asm_objs = tests/guests/triple_fault.o tests/guests/ud2.o \
	tests/guests/jump_past_ram.o \
	tests/guests/unknown_port.o tests/guests/console_wide_out.o \
	tests/guests/console_wide_in.o tests/guests/rep_outsb.o \
	tests/guests/escape.o \
	tests/guests/file_wide.o tests/guests/dr_probe_exec.o \
	tests/guests/dr_probe_write.o

# The macros every guest in assembly shares (the hostile ones too).
mh_test_asm_hdrs = $(srcdir)/tests/guests/guest_asm.h

mh_test_c_elfs = $(mh_test_c_objs:.o=.elf)
mh_test_asm_elfs = $(mh_test_asm_objs:.o=.elf)
mh_test_elf_imgs = $(mh_test_c_objs:.o=.img) $(mh_test_asm_objs:.o=.img)

$(mh_test_c_objs): tests/guests/%.o: $(srcdir)/tests/guests/%.c $(MH_GUEST_HDRS)
	@mkdir -p $(@D)
	$(AM_V_CC)$(CC) $(MH_GUEST_COPTS) -c -o $@ $<

$(mh_test_asm_objs): tests/guests/%.o: $(srcdir)/tests/guests/%.S $(MH_GUEST_HDRS) $(mh_test_asm_hdrs)
	@mkdir -p $(@D)
	$(AM_V_CC)$(CC) $(MH_GUEST_COPTS) -c -o $@ $<

$(mh_test_c_elfs): tests/guests/%.elf: tests/guests/%.o $(MH_GUEST_CRT0) $(MH_GUEST_LIB) $(MH_GUEST_LDSCRIPT)
	$(AM_V_CCLD)$(CC) $(MH_GUEST_LDOPTS) -o $@ $(MH_GUEST_CRT0) $< $(MH_GUEST_LIB)

$(mh_test_asm_elfs): tests/guests/%.elf: tests/guests/%.o $(MH_GUEST_LDSCRIPT)
	$(AM_V_CCLD)$(CC) $(MH_GUEST_LDOPTS) -o $@ $<

$(mh_test_elf_imgs): tests/guests/%.img: tests/guests/%.elf
	$(AM_V_GEN)$(OBJCOPY) -O binary $< $@

# A guest assembled by nasm straight into a flat binary, no linker.
tests/guests/hello_nasm.img: $(srcdir)/tests/guests/hello_nasm.asm
	@mkdir -p $(@D)
	$(AM_V_GEN)$(NASM) -f bin -o $@ $(srcdir)/tests/guests/hello_nasm.asm

# A guest built by the SDK's own makefile fragment (guests/mh-guest.mk),
# pointed at the build tree instead of the installed SDK: this checks the
# fragment that `make install` ships.
tests/guests/sdk_ok.img: $(srcdir)/tests/guests/sdk_ok.c guests/mh-guest.mk \
		$(MH_GUEST_CRT0) $(MH_GUEST_LIB) $(MH_GUEST_HDRS) \
		$(MH_GUEST_LDSCRIPT)
	@mkdir -p $(@D)
	$(AM_V_GEN)if $(AM_V_P); then silent=; else silent=-s; fi; \
	$(MAKE) $$silent --no-print-directory -C tests/guests \
	  -f "$(abs_top_builddir)/guests/mh-guest.mk" GUEST=sdk_ok \
	  VPATH="$(abs_top_srcdir)/tests/guests" \
	  MH_SDK_INCDIR="$(abs_top_srcdir)/guests/include" \
	  MH_SDK_LIBDIR="$(abs_top_builddir)/guests/lib" \
	  MH_SDK_LDSCRIPT="$(abs_top_srcdir)/guests/lib/guest.ld" \
	  CC="$(CC)" OBJCOPY="$(OBJCOPY)"

# An ELF-only guest, linked at 1 MiB with its entry point inside .text.
tests/guests/elf_high.o: $(srcdir)/tests/guests/elf_high.S $(MH_GUEST_HDRS) $(mh_test_asm_hdrs)
	@mkdir -p $(@D)
	$(AM_V_CC)$(CC) $(MH_GUEST_COPTS) -c -o $@ $<
tests/guests/elf_high.elf: tests/guests/elf_high.o $(srcdir)/tests/guests/elf_high.ld
	$(AM_V_CCLD)$(CC) -nostdlib -static -no-pie \
	  -Wl,-T,$(srcdir)/tests/guests/elf_high.ld -Wl,--build-id=none \
	  -Wl,-z,noexecstack -o $@ tests/guests/elf_high.o

# The fragment's default target makes both.
tests/guests/sdk_ok.elf: tests/guests/sdk_ok.img
	@test -f $@

mh_test_guest_imgs = $(mh_test_elf_imgs) tests/guests/hello_nasm.img \
	tests/guests/sdk_ok.img
# The ELF files run too (tests/elf.bats): each with symbols and -g.
check_DATA += $(mh_test_guest_imgs) $(mh_test_c_elfs) $(mh_test_asm_elfs) \
	tests/guests/sdk_ok.elf tests/guests/elf_high.elf

EXTRA_DIST += $(mh_test_c_objs:.o=.c) $(mh_test_asm_objs:.o=.S) \
	tests/guests/hello_nasm.asm tests/guests/sdk_ok.c \
	tests/guests/elf_high.S tests/guests/elf_high.ld \
	tests/guests/guest_asm.h
CLEANFILES += $(mh_test_c_objs) $(mh_test_asm_objs) $(mh_test_c_elfs) \
	$(mh_test_asm_elfs) $(mh_test_guest_imgs) \
	tests/guests/sdk_ok.o tests/guests/sdk_ok.elf \
	tests/guests/elf_high.o tests/guests/elf_high.elf
