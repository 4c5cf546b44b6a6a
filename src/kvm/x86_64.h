/* SPDX-License-Identifier: MIT */
/*
 * x86_64.h - the 64-bit machine a guest starts in: control registers,
 * segments and identity-mapping page tables.
 *
 * Everything here is pure (no KVM calls): it computes register values and
 * fills memory buffers, so it is unit-tested without /dev/kvm.
 * References are to the Intel 64 and IA-32 Architectures Software
 * Developer's Manual (SDM), volume 3; section numbers follow the
 * December 2023 edition, and the quoted titles are stable across editions.
 */
#ifndef MH_X86_64_H
#define MH_X86_64_H

#include <glib.h>
#include <linux/kvm.h>

/* CR0, SDM 3A §2.5 "Control Registers", Figure 2-7. */
#define MH_CR0_PE (1ull << 0)  /* Protection Enable                        */
#define MH_CR0_MP (1ull << 1)  /* Monitor Coprocessor (WAIT honours TS)    */
#define MH_CR0_EM (1ull << 2)  /* Emulation: must be clear for x87/SSE     */
#define MH_CR0_ET (1ull << 4)  /* Extension Type (hard-wired 1 on P6+)     */
#define MH_CR0_NE (1ull << 5)  /* Numeric Error: native x87 error reporting */
#define MH_CR0_WP (1ull << 16) /* Write Protect also at CPL 0               */
#define MH_CR0_PG (1ull << 31) /* Paging                                    */

/* CR4, SDM 3A §2.5, Figure 2-7. */
#define MH_CR4_PAE \
  (1ull << 5) /* Physical Address Extension (needed for IA-32e) */
#define MH_CR4_OSFXSR \
  (1ull << 9) /* OS supports FXSAVE/FXRSTOR: enables SSE        */
#define MH_CR4_OSXMMEXCPT \
  (1ull << 10) /* OS handles SIMD FP exceptions (#XM)           */

/* IA32_EFER (MSR C000_0080h), SDM 3A §2.2.1 "Extended Feature Enable
 * Register", Figure 2-4. */
#define MH_EFER_LME (1ull << 8)  /* IA-32e Mode Enable                 */
#define MH_EFER_LMA (1ull << 10) /* IA-32e Mode Active (set with LME+PG) */
#define MH_EFER_NXE \
  (1ull << 11) /* Execute-disable enable: PTE bit 63 is XD, and
                                    a #PF error code tells instruction fetches
                                    (SDM 3A §4.7; AMD APM 2 §8.4.2)      */

/* RFLAGS, SDM 1 §3.4.3: bit 1 is reserved and always 1; IF (bit 9) clear. */
#define MH_RFLAGS_RESERVED (1ull << 1)

/* Paging-structure entries for 4-level paging, SDM 3A §4.5, Tables 4-15
 * (PML4E), 4-17 (PDPTE referencing a page directory), 4-18 (PDE mapping a
 * 2-MByte page), 4-19 (PDE referencing a page table), 4-20 (PTE). */
#define MH_PTE_P  (1ull << 0)  /* Present                                    */
#define MH_PTE_RW (1ull << 1)  /* Read/write                                 */
#define MH_PTE_US (1ull << 2)  /* User/supervisor: CPL 3 may access too       */
#define MH_PTE_A  (1ull << 5)  /* Accessed: preset so the CPU never writes it */
#define MH_PTE_D  (1ull << 6)  /* Dirty (leaf entries): preset likewise      */
#define MH_PTE_PS (1ull << 7)  /* Page size: this PDE maps a 2-MByte page    */
#define MH_PTE_XD (1ull << 63) /* Execute-disable (with EFER.NXE)            */

#define MH_PAGE_4K       4096ull
#define MH_PAGE_2M       (2ull << 20)
#define MH_PT_ENTRIES    512u
#define MH_PT_TABLE_SIZE 4096u

/*
 * The monitor region: hypervisor-owned memory in its own KVM memory slot
 * at 1 GiB, far above any guest RAM.  The slot is writable: a nested
 * page walk (AMD NPT, measured; Intel EPT with accessed/dirty flags,
 * SDM 3C "Accessed and Dirty Flags for EPT") treats the guest's
 * page-table accesses as writes, so tables in a read-only slot would
 * make KVM emulate every guest instruction.
 * The guest is kept off it by its own page tables instead:
 *
 *   +0x0000 GDT (null, 64-bit code, data, 64-bit TSS descriptor)
 *   +0x0100 IDT: 32 interrupt gates, one per exception vector
 *   +0x0800 TSS (IST1 = top of the exception stack)
 *   +0x0c00 exception handlers: one 8-byte stub per vector
 *           -- this page is mapped read-only at its identity address --
 *   +0x1000 exception stack (IST1): mapped writable, execute-disable
 *   +0x2000 PML4, PDPT, PDs and page tables: not mapped at all
 *
 * The CPU reaches the GDT, IDT and TSS by linear address when it
 * delivers an exception, hence the read-only mapping; no guest store
 * through the hypervisor's tables can change them or the tables.  A
 * guest that loads its own CR3 can map anything of its own VM: the
 * monitor region protects the diagnosis, not the host.
 */
#define MH_MONITOR_GPA       0x40000000ull /* 1 GiB: far above any RAM size */
#define MH_MONITOR_SIZE      0x10000ull /* 64 KiB: room for 8 MiB of 4 KiB pages */
#define MH_MONITOR_GDT_OFF   0x0000u
#define MH_MONITOR_IDT_OFF   0x0100u
#define MH_MONITOR_TSS_OFF   0x0800u
#define MH_MONITOR_STUB_OFF  0x0c00u
#define MH_MONITOR_STACK_OFF 0x1000u
#define MH_MONITOR_PT_OFF    0x2000u
#define MH_GDT_SEL_CODE      0x08u
#define MH_GDT_SEL_DATA      0x10u
#define MH_GDT_SEL_TSS       0x18u
#define MH_GDT_SIZE          0x28u /* 3 descriptors + a 16-byte TSS descriptor */
#define MH_TSS_SIZE          0x68u /* 64-bit TSS, SDM 3A §8.7 Figure 8-11 */
#define MH_TSS_IST1_OFF      0x24u /* IST1 in the 64-bit TSS, same figure  */
#define MH_IDT_VECTORS       32u   /* the exceptions; an INT n above is #GP */
#define MH_IDT_GATE_SIZE     16u   /* SDM 3A §6.14.1, Figure 6-8            */
#define MH_STUB_SIZE         8u    /* bytes per exception stub              */
#define MH_STUB_REPORT_LEN   2u /* the stub's "out %al, $port": RIP after it */

/* What the page-table builder made (for --verbose and the tests). */
typedef struct {
  guint64 cr3;       /* guest-physical address of the PML4          */
  guint64 page_size; /* 4 KiB or 2 MiB                              */
  guint n_pml4;      /* tables of each level                        */
  guint n_pdpt;
  guint n_pd;
  guint n_pt;          /* (RAM only; the monitor's PD and PT are two more) */
  guint n_leaves;      /* entries mapping a page of RAM               */
  guint64 tables_gpa;  /* first table's address                       */
  guint64 tables_size; /* bytes used by all tables                    */
} MhPageTables;

/*
 * Fills @buf (guest-physical @buf_gpa, @buf_size bytes, zeroed by the
 * caller) with 4-level tables identity-mapping [0, @ram_size) with pages
 * of @page_size, and the monitor region's first page (read-only) and its
 * exception stack (writable, execute-disable) at their identity addresses
 * with 4 KiB pages.  @ram_size must be a non-zero multiple of @page_size
 * and at most 1 GiB.
 */
gboolean mh_x86_build_page_tables(guint8 *buf, gsize buf_size, guint64 buf_gpa,
                                  guint64 ram_size, guint64 page_size,
                                  MhPageTables *out, GError **error);

/* Writes the GDT, IDT, TSS and exception stubs into the monitor region
 * (@monitor is its host mapping at MH_MONITOR_GPA) and sets @sregs for
 * 64-bit long mode with paging rooted at @cr3.  Each exception stub
 * reports through an OUT to @report_port and never returns.  @sregs
 * should come from KVM_GET_SREGS so that fields not set here keep KVM's
 * reset values. */
void mh_x86_setup_long_mode(guint8 *monitor, guint64 cr3, guint8 report_port,
                            struct kvm_sregs *sregs);

/* The exception vector whose stub's report leaves RIP at @rip (on the
 * stub's OUT or just past it), or -1 if @rip is neither. */
gint mh_x86_stub_vector(guint64 rip);

/* An exception as the hypervisor's handler found it. */
typedef struct {
  guint vector;
  gboolean has_error; /* the CPU pushed an error code             */
  guint64 error;
  guint64 rip; /* as pushed: the faulting instruction, or the
                          one after it for traps (#BP, #OF)        */
  guint64 rsp; /* the guest's RSP when the exception came  */
  guint64 cr2; /* the faulting address, for #PF            */
} MhException;

/* Whether exception @vector pushes an error code (SDM 3A §6.15). */
gboolean mh_x86_exception_has_error(guint vector);

/* Parses the frame the CPU pushed on the exception stack: @stack is the
 * host mapping of the stack page, @rsp the stub's RSP.  FALSE if the
 * frame does not lie inside the page. */
gboolean mh_x86_exception_frame(const guint8 *stack, guint64 rsp, guint vector,
                                MhException *ex);

/* One line describing @ex for a guest with @ram_size bytes of RAM, its
 * RIP as @rip_text ("RIP 0x40 (read_byte, page_fault.c:12)", the
 * caller's names; NULL: "RIP 0x40"), e.g. "page fault (#PF) at RIP
 * 0x40 (read_byte, page_fault.c:12): read from address 0x400000 (CR2),
 * outside guest RAM; error code 0x0 (not present, read, supervisor); RSP
 * 0x3fffe8". */
char *mh_x86_describe_exception(const MhException *ex, guint64 ram_size,
                                const char *rip_text);

/* The rest of @ex for --verbose: "vector 14, error code 0x10 (not
 * present, fetch, supervisor), RIP 0x400000, RSP 0x3ffff8, CR2
 * 0x400000" (CR2 is stale for vectors other than #PF). */
char *mh_x86_describe_fault(const MhException *ex, const char *rip_text);

/* Encodes @seg as an 8-byte GDT descriptor (SDM 3A §3.4.5, Figure 3-8). */
guint64 mh_x86_encode_descriptor(const struct kvm_segment *seg);

/* The longest an instruction can be, prefixes included (SDM 2A §2.3.11):
 * as many bytes as a diagnosis reads at RIP. */
#define MH_X86_INSN_MAX 15

/* A port I/O instruction as decoded by mh_x86_decode_pio(). */
typedef struct {
  guint length;    /* bytes, prefixes included                     */
  gboolean in;     /* IN/INS rather than OUT/OUTS                  */
  gboolean string; /* INS/OUTS                                     */
  guint size;      /* operand bytes: 1, 2 or 4                     */
  gint port;       /* the immediate port, or -1 for the DX forms   */
} MhPioInsn;

/* Decodes @code (@avail bytes) as one IN/OUT/INS/OUTS instruction in
 * 64-bit mode (SDM 2 "IN", "OUT", "INS", "OUTS"; legacy prefixes 66/F2/F3
 * and REX).  Returns FALSE if it is not one.  Used to name the exact
 * instruction in a diagnosis: KVM leaves RIP on some I/O instructions and
 * past others when it exits to user space. */
gboolean mh_x86_decode_pio(const guint8 *code, gsize avail, MhPioInsn *insn);

/* Whether @code starts with an SSE/AVX instruction (VEX, EVEX, or a 0F
 * opcode of the SIMD groups, after legacy and REX prefixes): the kind a
 * nested KVM's emulator may refuse.  A hint for diagnoses only. */
gboolean mh_x86_is_simd(const guint8 *code, gsize n);

#endif /* MH_X86_64_H */
