# SPDX-License-Identifier: MIT
# guests/local.mk - the guest SDK and the example guests (included from
# the top-level Makefile.am; every path is relative to the top directory).
#
# Guests are freestanding flat binaries, so they are built with their own
# flags and plain rules, not automake's primaries (which would apply the
# host CFLAGS and link with the C library):
#   .c/.S -> .o (MH_GUEST_COPTS) -> .elf (guest.ld) -> .img (objcopy -O binary)
# Both run: the .elf (symbols and debug information, so that a crash
# names the function and line) and the flat .img.
#
# Installed:
#   $(mhlibdir)/guests/   the example images, each as NAME.img and NAME.elf
#   $(mhlibdir)/sdk/      include/, lib/ and mh-guest.mk, for building
#                         guests of one's own (mini_hypervisor-abi(7))
#   $(mhexamplesdir)/     the example images' sources
#   $(pkgconfigdir)/mini-hypervisor.pc
#                         where all of these are, for
#                         `pkg-config --variable=sdkdir mini-hypervisor`

mhlibdir = $(prefix)/lib/$(PACKAGE)

# Keep in step with guests/mh-guest.mk.in, which users build with.  -g:
# the .elf carries DWARF for diagnoses that name the line (and for gdb);
# it changes no code, and objcopy -O binary copies no debug section, so
# the .img is the same bytes as without it.
MH_GUEST_COPTS = -std=c11 -O2 -g -Wall -Wextra -ffreestanding -nostdlib \
	-fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only \
	-fno-stack-protector -fno-asynchronous-unwind-tables \
	-fcf-protection=none -fno-tree-loop-distribute-patterns \
	-I$(top_srcdir)/guests/include
# The installed guests' DWARF names their sources relative to the build
# directory (guests/examples/hello.c): gdb finds them there in the build
# tree, and, with the build directory recorded as the installed examples
# directory, by their base names there after installation (gdb tries
# each source under the compilation directory by its base name too).
# The SDK's sources are installed there beside the examples'.
MH_GUEST_DEBUG_MAP = -fdebug-prefix-map=$(abs_top_builddir)=$(mhexamplesdir)
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
	$(AM_V_CC)$(CC) $(MH_GUEST_COPTS) $(MH_GUEST_DEBUG_MAP) -c -o $@ $<

$(mh_guest_lib_objs): guests/lib/%.o: $(srcdir)/guests/lib/%.c $(MH_GUEST_HDRS)
	@mkdir -p $(@D)
	$(AM_V_CC)$(CC) $(MH_GUEST_COPTS) $(MH_GUEST_DEBUG_MAP) -c -o $@ $<

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

# mini-hypervisor.pc: the installed paths, so that the README's command
# works whatever the prefix (/usr from a package, /usr/local from a
# `make install`).  Made by make, not configure, for the same reason as
# mh-guest.mk, and with the paths expanded: pkg-config knows no
# ${datarootdir} or ${PACKAGE_TARNAME}.
pkgconfigdir = $(libdir)/pkgconfig
pkgconfig_DATA = guests/mini-hypervisor.pc
guests/mini-hypervisor.pc: $(srcdir)/guests/mini-hypervisor.pc.in Makefile
	@mkdir -p $(@D)
	$(AM_V_GEN)rm -f $@ $@.tmp && \
	  sed -e 's|@prefix[@]|$(prefix)|g' \
	    -e 's|@mhsdkdir[@]|$(mhsdkdir)|g' \
	    -e 's|@mhguestsdir[@]|$(mhguestsdir)|g' \
	    -e 's|@mhexamplesdir[@]|$(mhexamplesdir)|g' \
	    -e 's|@PACKAGE_VERSION[@]|$(PACKAGE_VERSION)|g' \
	    $(srcdir)/guests/mini-hypervisor.pc.in >$@.tmp && \
	  mv $@.tmp $@
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
	$(AM_V_CC)$(CC) $(MH_GUEST_COPTS) $(MH_GUEST_DEBUG_MAP) -c -o $@ $<

$(mh_example_elfs): guests/examples/%.elf: guests/examples/%.o $(MH_GUEST_CRT0) $(MH_GUEST_LIB) $(MH_GUEST_LDSCRIPT)
	$(AM_V_CCLD)$(CC) $(MH_GUEST_LDOPTS) -o $@ $(MH_GUEST_CRT0) $< $(MH_GUEST_LIB)

$(mh_example_imgs): guests/examples/%.img: guests/examples/%.elf
	$(AM_V_GEN)$(OBJCOPY) -O binary $< $@

# An example for nasm with no SDK: nasm writes the flat binary itself.
guests/examples/hello_file.img: $(srcdir)/guests/examples/hello_file.asm
	@mkdir -p $(@D)
	$(AM_V_GEN)$(NASM) -f bin -o $@ $(srcdir)/guests/examples/hello_file.asm

mhguestsdir = $(mhlibdir)/guests
mhguests_DATA = $(mh_example_imgs) $(mh_example_elfs) \
	guests/examples/hello_file.img

# The source of every installed image, as documentation: the README and
# mini_hypervisor(1) point at them, and `make -f .../mh-guest.mk
# GUEST=hello VPATH=$(mhexamplesdir)` rebuilds one.  With them, the
# sources of the SDK they link (crt0.S, the library, the headers), where
# gdb looks for them (MH_GUEST_DEBUG_MAP) for the installed guests and
# for any guest built with the installed SDK: one directory, so no two
# of these may share a base name.
mhexamplesdir = $(docdir)/examples
dist_mhexamples_DATA = guests/examples/hello.c guests/examples/echo.c \
	guests/examples/memtest.c guests/examples/counter.c \
	guests/examples/cat.c guests/examples/copy.c guests/examples/cowdemo.c \
	guests/examples/hello_file.asm \
	guests/lib/crt0.S guests/lib/console.c guests/lib/file.c \
	guests/lib/runtime.c guests/lib/string.c
mhexamples_DATA = guests/include/mh_abi.h guests/include/mh_guest.h
# gdb warns when a source is newer than the executable, and make -j may
# install the sources last: the guests' times are set after.
install-data-hook: mh-touch-guests
mh-touch-guests:
	$(AM_V_at)cd "$(DESTDIR)$(mhguestsdir)" && touch -c $(notdir $(mh_example_elfs))
.PHONY: mh-touch-guests

EXTRA_DIST += guests/mini-hypervisor.pc.in guests/mh-guest.mk.in
CLEANFILES += $(mh_example_objs) $(mh_example_elfs) $(mh_example_imgs) \
	guests/examples/hello_file.img \
	$(MH_GUEST_CRT0) $(mh_guest_lib_objs) $(MH_GUEST_LIB) \
	guests/mh-guest.mk guests/mini-hypervisor.pc

# Builds a guest from the installed SDK with the installed mh-guest.mk,
# as a user would: from the installed source of an example, through the
# README's pkg-config command when nothing is staged (DESTDIR, where the
# .pc names paths without it), and checks that the installed
# mini_hypervisor(1) names the configured paths and every example image.
# Run from `make installcheck` and `make distcheck`.
mh-sdk-installcheck:
	$(AM_V_at)rm -rf mh-sdk-installcheck.d && mkdir mh-sdk-installcheck.d
	$(AM_V_at)if test -z '$(DESTDIR)'; then \
	  sdk=`PKG_CONFIG_PATH='$(pkgconfigdir)' $(PKG_CONFIG) --variable=sdkdir mini-hypervisor` && \
	  test "$$sdk" = '$(mhsdkdir)' || \
	    { echo "mh-sdk-installcheck: pkg-config says sdkdir '$$sdk', expected '$(mhsdkdir)'" >&2; exit 1; }; \
	fi
	$(AM_V_GEN)if $(AM_V_P); then silent=; else silent=-s; fi; \
	$(MAKE) $$silent --no-print-directory -C mh-sdk-installcheck.d \
	  -f "$(DESTDIR)$(mhsdkdir)/mh-guest.mk" \
	  MH_SDK="$(DESTDIR)$(mhsdkdir)" \
	  VPATH="$(DESTDIR)$(mhexamplesdir)" GUEST=hello CC="$(CC)" \
	  OBJCOPY="$(OBJCOPY)"
	$(AM_V_at)test -s mh-sdk-installcheck.d/hello.img && \
	  readelf -S mh-sdk-installcheck.d/hello.elf | grep -q "\.debug_line "
	$(AM_V_at)$(MAKE) --no-print-directory mh-gdb-sources-check \
	  MH_CHECK_ELFS='$(DESTDIR)$(mhguestsdir)/hello.elf $(abs_builddir)/mh-sdk-installcheck.d/hello.elf'
	$(AM_V_at)rm -rf mh-sdk-installcheck.d
	$(AM_V_at)files=$$(sed -n '/^\.SH FILES$$/,/^\.SH /p' '$(DESTDIR)$(man1dir)/mini_hypervisor.1' | sed 's/\\-/-/g'); \
	for want in '$(mhguestsdir)/' '$(mhsdkdir)/' '$(mhexamplesdir)/' \
	  $(notdir $(mhguests_DATA)); do \
	  case $$files in *"$$want"*) ;; \
	  *) echo "mh-sdk-installcheck: mini_hypervisor(1) FILES does not name $$want" >&2; exit 1 ;; esac; \
	done

# gdb, given an installed guest or one built with the installed SDK,
# finds the sources of main (hello.c) and of _start (crt0.S) where they
# were installed: no "No such file or directory", no "more recent than
# executable".  Staged (DESTDIR), gdb is told where the tree is.  Run
# from / (gdb looks in its working directory too).  Skipped without gdb.
mh-gdb-sources-check:
	$(AM_V_at)if ! command -v gdb >/dev/null 2>&1; then \
	  echo "mh-gdb-sources-check: no gdb: skipped"; exit 0; fi; \
	for elf in $(MH_CHECK_ELFS); do \
	  for f in main:hello.c _start:crt0.S; do \
	    out=`cd / && gdb -batch -nx \
	      -ex 'set substitute-path $(mhexamplesdir) $(DESTDIR)$(mhexamplesdir)' \
	      -ex "list $${f%%:*}" -ex 'info source' "$$elf" 2>&1`; \
	    case $$out in \
	    *"Located in $(DESTDIR)$(mhexamplesdir)/$${f#*:}"*) ;; \
	    *) echo "mh-gdb-sources-check: gdb does not find $${f#*:} for $$elf:" >&2; \
	       echo "$$out" >&2; exit 1 ;; \
	    esac; \
	    case $$out in \
	    *"No such file"*|*"more recent than executable"*) \
	      echo "mh-gdb-sources-check: gdb on $$elf, $${f%%:*}:" >&2; \
	      echo "$$out" >&2; exit 1 ;; \
	    esac; \
	  done; \
	done
.PHONY: mh-sdk-installcheck mh-gdb-sources-check
