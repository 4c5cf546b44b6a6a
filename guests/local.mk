# SPDX-License-Identifier: MIT
# guests/local.mk - the guest SDK and the example guests (included from
# the top-level Makefile.am; every path is relative to the top directory).
#
# Guests are freestanding flat binaries, so they are built with their own
# flags and plain rules, not automake's primaries (which would apply the
# host CFLAGS and link with the C library):
#   .c/.S -> .o (MH_GUEST_COPTS) -> .elf (guest.ld) -> .img (objcopy -O binary)
#
# Installed:
#   $(mhlibdir)/guests/   the example images
#   $(mhlibdir)/sdk/      include/, lib/ and mh-guest.mk, for building
#                         guests of one's own (mini_hypervisor-abi(7))

mhlibdir = $(prefix)/lib/$(PACKAGE)

# Keep in step with guests/mh-guest.mk.in, which users build with.
MH_GUEST_COPTS = -std=c11 -O2 -Wall -Wextra -ffreestanding -nostdlib \
	-fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only \
	-fno-stack-protector -fno-asynchronous-unwind-tables \
	-fcf-protection=none -fno-tree-loop-distribute-patterns \
	-I$(top_srcdir)/guests/include
MH_GUEST_LDSCRIPT = $(top_srcdir)/guests/lib/guest.ld
MH_GUEST_LDOPTS = -nostdlib -static -no-pie -Wl,-T,$(MH_GUEST_LDSCRIPT) \
	-Wl,--build-id=none -Wl,-z,noexecstack
MH_GUEST_HDRS = $(top_srcdir)/guests/include/mh_abi.h \
	$(top_srcdir)/guests/include/mh_guest.h

# --- The SDK: crt0.o, libmhguest.a ---------------------------------------

MH_GUEST_CRT0 = guests/lib/crt0.o
MH_GUEST_LIB = guests/lib/libmhguest.a
mh_guest_lib_objs = guests/lib/console.o guests/lib/file.o \
	guests/lib/runtime.o guests/lib/string.o

$(MH_GUEST_CRT0): guests/lib/%.o: $(srcdir)/guests/lib/%.S
	@mkdir -p $(@D)
	$(AM_V_CC)$(CC) $(MH_GUEST_COPTS) -c -o $@ $<

$(mh_guest_lib_objs): guests/lib/%.o: $(srcdir)/guests/lib/%.c $(MH_GUEST_HDRS)
	@mkdir -p $(@D)
	$(AM_V_CC)$(CC) $(MH_GUEST_COPTS) -c -o $@ $<

$(MH_GUEST_LIB): $(mh_guest_lib_objs)
	$(AM_V_GEN)rm -f $@ && $(AR) crs $@ $(mh_guest_lib_objs)

# The fragment users build with, pointing at the installed SDK.  Made
# here rather than by configure so that `make prefix=...` is honoured.
guests/mh-guest.mk: $(srcdir)/guests/mh-guest.mk.in Makefile
	@mkdir -p $(@D)
	$(AM_V_GEN)rm -f $@ $@.tmp && \
	  sed -e 's|@mhlibdir[@]|$(mhlibdir)|g' \
	    $(srcdir)/guests/mh-guest.mk.in >$@.tmp && \
	  mv $@.tmp $@

mhsdkdir = $(mhlibdir)/sdk
mhsdk_DATA = guests/mh-guest.mk
mhsdkincludedir = $(mhsdkdir)/include
dist_mhsdkinclude_DATA = guests/include/mh_abi.h guests/include/mh_guest.h
mhsdklibdir = $(mhsdkdir)/lib
mhsdklib_DATA = $(MH_GUEST_CRT0) $(MH_GUEST_LIB)
dist_mhsdklib_DATA = guests/lib/guest.ld

# --- Example guests ---------------------------------------------------------

mh_example_objs = guests/examples/hello.o guests/examples/echo.o \
	guests/examples/memtest.o guests/examples/counter.o \
	guests/examples/cat.o guests/examples/copy.o guests/examples/cowdemo.o
mh_example_elfs = $(mh_example_objs:.o=.elf)
mh_example_imgs = $(mh_example_objs:.o=.img)

$(mh_example_objs): guests/examples/%.o: $(srcdir)/guests/examples/%.c $(MH_GUEST_HDRS)
	@mkdir -p $(@D)
	$(AM_V_CC)$(CC) $(MH_GUEST_COPTS) -c -o $@ $<

$(mh_example_elfs): guests/examples/%.elf: guests/examples/%.o $(MH_GUEST_CRT0) $(MH_GUEST_LIB) $(MH_GUEST_LDSCRIPT)
	$(AM_V_CCLD)$(CC) $(MH_GUEST_LDOPTS) -o $@ $(MH_GUEST_CRT0) $< $(MH_GUEST_LIB)

$(mh_example_imgs): guests/examples/%.img: guests/examples/%.elf
	$(AM_V_GEN)$(OBJCOPY) -O binary $< $@

# An example for nasm with no SDK: nasm writes the flat binary itself.
guests/examples/hello_file.img: $(srcdir)/guests/examples/hello_file.asm
	@mkdir -p $(@D)
	$(AM_V_GEN)$(NASM) -f bin -o $@ $(srcdir)/guests/examples/hello_file.asm

mhguestsdir = $(mhlibdir)/guests
mhguests_DATA = $(mh_example_imgs) guests/examples/hello_file.img

EXTRA_DIST += guests/examples/hello.c guests/examples/echo.c \
	guests/examples/memtest.c guests/examples/counter.c \
	guests/examples/cat.c guests/examples/copy.c guests/examples/cowdemo.c \
	guests/examples/hello_file.asm \
	guests/lib/crt0.S guests/lib/console.c guests/lib/file.c \
	guests/lib/runtime.c guests/lib/string.c guests/mh-guest.mk.in
CLEANFILES += $(mh_example_objs) $(mh_example_elfs) $(mh_example_imgs) \
	guests/examples/hello_file.img \
	$(MH_GUEST_CRT0) $(mh_guest_lib_objs) $(MH_GUEST_LIB) \
	guests/mh-guest.mk

# Builds a guest from the installed SDK with the installed mh-guest.mk,
# as a user would.  Hook it into installcheck-local to run it from
# `make installcheck` and `make distcheck`.
mh-sdk-installcheck:
	$(AM_V_at)rm -rf mh-sdk-installcheck.d && mkdir mh-sdk-installcheck.d
	$(AM_V_GEN)if $(AM_V_P); then silent=; else silent=-s; fi; \
	$(MAKE) $$silent --no-print-directory -C mh-sdk-installcheck.d \
	  -f "$(DESTDIR)$(mhsdkdir)/mh-guest.mk" \
	  MH_SDK="$(DESTDIR)$(mhsdkdir)" \
	  VPATH="$(abs_top_srcdir)/guests/examples" GUEST=hello CC="$(CC)" \
	  OBJCOPY="$(OBJCOPY)"
	$(AM_V_at)test -s mh-sdk-installcheck.d/hello.img
	$(AM_V_at)rm -rf mh-sdk-installcheck.d
.PHONY: mh-sdk-installcheck
