/* SPDX-License-Identifier: MIT */
/* x86_64.c - page tables, segments and control registers for long mode. */
#include "config.h"

#include "x86_64.h"

#include "mh_abi.h"

/* The selectors the ABI promises the guest at entry are the GDT's. */
G_STATIC_ASSERT(MH_GDT_SEL_CODE == MH_BOOT_SEL_CODE);
G_STATIC_ASSERT(MH_GDT_SEL_DATA == MH_BOOT_SEL_DATA);

#include <string.h>

#include "error.h"

/* Number of tables of one level needed to hold @entries entries. */
static guint
x86_tables_for(guint64 entries)
{
  return (guint)((entries + MH_PT_ENTRIES - 1) / MH_PT_ENTRIES);
}

static void
x86_put_entry(guint8 *table, guint index, guint64 value)
{
  memcpy(table + (gsize)index * sizeof value, &value, sizeof value);
}

/* The monitor region at its identity address, supervisor-only (U/S
 * clear in the leaf, SDM 3A §4.6.1): its first page (GDT, IDT, TSS,
 * handlers) read-only, so that with CR0.WP no store at any CPL can change
 * it; the exception stack writable but never executable.  Its PD and PT
 * are at @mon_pd_gpa and @mon_pt_gpa. */
static void
x86_map_monitor(guint8 *pdpt, guint8 *mon_pd, guint64 mon_pd_gpa,
                guint8 *mon_pt, guint64 mon_pt_gpa, guint64 table_flags)
{
  x86_put_entry(pdpt, (guint)(MH_MONITOR_GPA >> 30), mon_pd_gpa | table_flags);
  x86_put_entry(mon_pd, (guint)((MH_MONITOR_GPA >> 21) & 511),
                mon_pt_gpa | table_flags);
  x86_put_entry(mon_pt, 0, MH_MONITOR_GPA | MH_PTE_P | MH_PTE_A);
  x86_put_entry(mon_pt, MH_MONITOR_STACK_OFF / MH_PAGE_4K,
                (MH_MONITOR_GPA + MH_MONITOR_STACK_OFF) | MH_PTE_P | MH_PTE_RW |
                  MH_PTE_A | MH_PTE_D | MH_PTE_XD);
}

gboolean
mh_x86_build_page_tables(guint8 *buf, gsize buf_size, guint64 buf_gpa,
                         guint64 ram_size, guint64 page_size, MhPageTables *out,
                         GError **error)
{
  /* Intermediate entries: present, writable, user, accessed.  Whether a
   * page may be written or reached from CPL 3 is decided by its leaf. */
  const guint64 table_flags = MH_PTE_P | MH_PTE_RW | MH_PTE_US | MH_PTE_A;
  /* Leaf entries also preset Dirty, so the CPU never writes the tables. */
  const guint64 leaf_flags = table_flags | MH_PTE_D;
  guint64 leaves, n_pd_entries;
  guint n_pt, n_pd, total;
  guint8 *pml4, *pdpt, *pd, *pt, *mon_pd, *mon_pt;

  if ((page_size != MH_PAGE_4K && page_size != MH_PAGE_2M) || ram_size == 0 ||
      ram_size % page_size != 0 || ram_size > (1ull << 30)) {
    g_set_error(error, MH_ERROR, MH_ERROR_HOST,
                "cannot identity-map %" G_GUINT64_FORMAT
                " bytes with %" G_GUINT64_FORMAT "-byte pages",
                ram_size, page_size);
    return FALSE;
  }

  leaves = ram_size / page_size;
  n_pt = page_size == MH_PAGE_4K ? x86_tables_for(leaves) : 0;
  n_pd_entries = page_size == MH_PAGE_4K ? n_pt : leaves;
  n_pd = x86_tables_for(n_pd_entries);
  /* <= 1 GiB of RAM: one PDPT entry, so one PD, one PDPT, one PML4; the
   * monitor region (the second GiB) has a PD and a PT of its own. */
  total = 1 + 1 + n_pd + n_pt + 2;
  if ((gsize)total * MH_PT_TABLE_SIZE > buf_size) {
    g_set_error(error, MH_ERROR, MH_ERROR_HOST,
                "page tables need %u KiB, more than the %" G_GSIZE_FORMAT
                " KiB reserved",
                total * 4u, buf_size / 1024);
    return FALSE;
  }

  pml4 = buf;
  pdpt = pml4 + MH_PT_TABLE_SIZE;
  pd = pdpt + MH_PT_TABLE_SIZE;
  pt = pd + (gsize)n_pd * MH_PT_TABLE_SIZE;
  mon_pd = pt + (gsize)n_pt * MH_PT_TABLE_SIZE;
  mon_pt = mon_pd + MH_PT_TABLE_SIZE;
#define GPA_OF(table) (buf_gpa + (guint64)((table)-buf))

  x86_put_entry(pml4, 0, GPA_OF(pdpt) | table_flags);
  x86_put_entry(pdpt, 0, GPA_OF(pd) | table_flags);
  for (guint64 i = 0; i < n_pd_entries; i++) {
    guint64 entry;
    if (page_size == MH_PAGE_2M)
      entry = (i * MH_PAGE_2M) | leaf_flags | MH_PTE_PS;
    else
      entry = (GPA_OF(pt) + i * MH_PT_TABLE_SIZE) | table_flags;
    x86_put_entry(pd, (guint)i, entry);
  }
  for (guint64 i = 0; n_pt > 0 && i < leaves; i++)
    x86_put_entry(pt, (guint)i, (i * MH_PAGE_4K) | leaf_flags);

  x86_map_monitor(pdpt, mon_pd, GPA_OF(mon_pd), mon_pt, GPA_OF(mon_pt),
                  table_flags);
#undef GPA_OF

  *out = (MhPageTables){
    .cr3 = buf_gpa,
    .page_size = page_size,
    .n_pml4 = 1,
    .n_pdpt = 1,
    .n_pd = n_pd,
    .n_pt = n_pt,
    .n_leaves = (guint)leaves,
    .tables_gpa = buf_gpa,
    .tables_size = (guint64)total * MH_PT_TABLE_SIZE,
  };
  return TRUE;
}

guint64
mh_x86_encode_descriptor(const struct kvm_segment *seg)
{
  /* SDM 3A §3.4.5, Figure 3-8: limit 15:0 | base 23:0 | type | S | DPL | P |
   * limit 19:16 | AVL | L | D/B | G | base 31:24.  The limit is stored in
   * units of 4 KiB when G is set. */
  guint64 limit = seg->g ? seg->limit >> 12 : seg->limit;
  guint64 base = seg->base;

  return (limit & 0xffffull) | ((base & 0xffffffull) << 16) |
         ((guint64)(seg->type & 0xf) << 40) | ((guint64)(seg->s & 1) << 44) |
         ((guint64)(seg->dpl & 3) << 45) | ((guint64)(seg->present & 1) << 47) |
         (((limit >> 16) & 0xfull) << 48) | ((guint64)(seg->avl & 1) << 52) |
         ((guint64)(seg->l & 1) << 53) | ((guint64)(seg->db & 1) << 54) |
         ((guint64)(seg->g & 1) << 55) | (((base >> 24) & 0xffull) << 56);
}

gboolean
mh_x86_exception_has_error(guint vector)
{
  /* SDM 3A §6.15 "Exception and Interrupt Reference": #DF, #TS, #NP,
   * #SS, #GP, #PF, #AC, #CP, #VC (AMD APM 2 §15.35), #SX (AMD). */
  switch (vector) {
  case 8:
  case 10:
  case 11:
  case 12:
  case 13:
  case 14:
  case 17:
  case 21:
  case 29:
  case 30: return TRUE;
  default: return FALSE;
  }
}

/* Writes the exception stubs and the IDT gates that lead to them. */
static void
x86_write_idt(guint8 *monitor, guint8 report_port)
{
  for (guint v = 0; v < MH_IDT_VECTORS; v++) {
    guint64 stub = MH_MONITOR_GPA + MH_MONITOR_STUB_OFF + v * MH_STUB_SIZE;
    /* "out %al, $port" (E6 ib), then "jmp ." (EB FE): the hypervisor
     * stops the VM at the report, and the jump keeps a VM that is
     * resumed anyway from running on into the next stub.  The rest is
     * int3 padding. */
    const guint8 code[MH_STUB_SIZE] = {0xe6, report_port, 0xeb, 0xfe,
                                       0xcc, 0xcc,        0xcc, 0xcc};
    /* 64-bit interrupt gate, SDM 3A §6.14.1 Figure 6-8: offset 15:0,
     * selector, IST (bits 2:0 of byte 4), type 0xE (interrupt gate:
     * IF cleared on entry), DPL 0, P, offset 31:16, offset 63:32. */
    guint64 lo = (stub & 0xffffull) | ((guint64)MH_GDT_SEL_CODE << 16) |
                 (1ull << 32) /* IST1 */ | (0xeull << 40) | (1ull << 47) |
                 ((stub >> 16 & 0xffffull) << 48);
    guint64 hi = stub >> 32;

    memcpy(monitor + MH_MONITOR_STUB_OFF + v * MH_STUB_SIZE, code, sizeof code);
    memcpy(monitor + MH_MONITOR_IDT_OFF + v * MH_IDT_GATE_SIZE, &lo, 8);
    memcpy(monitor + MH_MONITOR_IDT_OFF + v * MH_IDT_GATE_SIZE + 8, &hi, 8);
  }
}

/* The GDT (its code, data and TSS descriptors) and the TSS (IST1 and no
 * I/O permission bitmap) in the monitor region. */
static void
x86_write_gdt_tss(guint8 *monitor, const struct kvm_segment *code,
                  const struct kvm_segment *data, const struct kvm_segment *tss)
{
  guint64 gdt[MH_GDT_SIZE / 8] = {0};
  guint64 ist1 = MH_MONITOR_GPA + MH_MONITOR_STACK_OFF + MH_PAGE_4K;
  guint16 iomap = MH_TSS_SIZE; /* past the limit: no I/O permission bitmap */

  gdt[MH_GDT_SEL_CODE / 8] = mh_x86_encode_descriptor(code);
  gdt[MH_GDT_SEL_DATA / 8] = mh_x86_encode_descriptor(data);
  /* A 64-bit TSS descriptor is 16 bytes: the upper half holds base 63:32
   * (SDM 3A §8.2.3, Figure 8-4); our base is below 4 GiB, so it is 0. */
  gdt[MH_GDT_SEL_TSS / 8] = mh_x86_encode_descriptor(tss);
  memcpy(monitor + MH_MONITOR_GDT_OFF, gdt, sizeof gdt);
  /* Every exception runs on IST1, a stack of its own: a guest whose RSP
   * is garbage or outside RAM still gets its exception reported instead
   * of a double and then a triple fault (SDM 3A §6.14.5 "Interrupt Stack
   * Table"). */
  memcpy(monitor + MH_MONITOR_TSS_OFF + MH_TSS_IST1_OFF, &ist1, sizeof ist1);
  memcpy(monitor + MH_MONITOR_TSS_OFF + 0x66, &iomap, sizeof iomap);
}

void
mh_x86_setup_long_mode(guint8 *monitor, guint64 cr3, guint8 report_port,
                       struct kvm_sregs *sregs)
{
  /* 64-bit code segment, SDM 3A §5.2.1 "Code-Segment Descriptor in
   * 64-bit Mode": L = 1, D = 0; type 0xB = execute/read, accessed
   * (§3.4.5.1, Table 3-1); S = 1 (code/data); DPL 0. */
  struct kvm_segment code = {
    .base = 0,
    .limit = 0xffffffff,
    .selector = MH_GDT_SEL_CODE,
    .type = 0xb,
    .present = 1,
    .dpl = 0,
    .db = 0,
    .s = 1,
    .l = 1,
    .g = 1,
  };
  /* Flat data segment: type 0x3 = read/write, accessed; D/B = 1.  The
   * accessed bits are preset: loading a descriptor then never writes
   * the read-only GDT page. */
  struct kvm_segment data = {
    .base = 0,
    .limit = 0xffffffff,
    .selector = MH_GDT_SEL_DATA,
    .type = 0x3,
    .present = 1,
    .dpl = 0,
    .db = 1,
    .s = 1,
    .l = 0,
    .g = 1,
  };
  /* TR must hold a busy 64-bit TSS (type 0xB) for VM entry in IA-32e
   * mode, SDM 3C §27.3.1.2 "Checks on Guest Segment Registers". */
  struct kvm_segment tss = {
    .base = MH_MONITOR_GPA + MH_MONITOR_TSS_OFF,
    .limit = MH_TSS_SIZE - 1,
    .selector = MH_GDT_SEL_TSS,
    .type = 0xb,
    .present = 1,
    .s = 0,
    .g = 0,
  };
  x86_write_gdt_tss(monitor, &code, &data, &tss);
  x86_write_idt(monitor, report_port);

  sregs->cs = code;
  sregs->ds = sregs->es = sregs->fs = sregs->gs = sregs->ss = data;
  sregs->tr = tss;
  sregs->gdt.base = MH_MONITOR_GPA + MH_MONITOR_GDT_OFF;
  sregs->gdt.limit = MH_GDT_SIZE - 1;
  /* The hypervisor's IDT: an exception is reported with its vector,
   * error code, RIP and CR2 on every host (on AMD a triple fault resets
   * the registers before user space can read them).  A guest's own lidt
   * replaces it; an INT n above 31 is a #GP (the gate is past the
   * limit). */
  sregs->idt.base = MH_MONITOR_GPA + MH_MONITOR_IDT_OFF;
  sregs->idt.limit = MH_IDT_VECTORS * MH_IDT_GATE_SIZE - 1;

  sregs->cr3 = cr3;
  sregs->cr4 = MH_CR4_PAE | MH_CR4_OSFXSR | MH_CR4_OSXMMEXCPT;
  sregs->cr0 = MH_CR0_PE | MH_CR0_MP | MH_CR0_ET | MH_CR0_NE | MH_CR0_WP |
               MH_CR0_PG;
  sregs->efer = MH_EFER_LME | MH_EFER_LMA | MH_EFER_NXE;
}

gint
mh_x86_stub_vector(guint64 rip)
{
  const guint64 first = MH_MONITOR_GPA + MH_MONITOR_STUB_OFF;
  guint64 off;

  if (rip < first)
    return -1;
  off = rip - first;
  /* RIP is on the OUT (kvm_amd: the exit comes before the instruction
   * completes) or just past it (kvm_intel, PVM). */
  if ((off % MH_STUB_SIZE != 0 && off % MH_STUB_SIZE != MH_STUB_REPORT_LEN) ||
      off / MH_STUB_SIZE >= MH_IDT_VECTORS)
    return -1;
  return (gint)(off / MH_STUB_SIZE);
}

gboolean
mh_x86_exception_frame(const guint8 *stack, guint64 rsp, guint vector,
                       MhException *ex)
{
  const guint64 base = MH_MONITOR_GPA + MH_MONITOR_STACK_OFF;
  gboolean has_error = mh_x86_exception_has_error(vector);
  /* SDM 3A §6.14.2 Figure 6-9: [error code], RIP, CS, RFLAGS, RSP, SS. */
  guint n = has_error ? 6 : 5;
  guint64 frame[6];

  if (rsp < base || rsp > base + MH_PAGE_4K - n * 8u)
    return FALSE;
  memcpy(frame, stack + (rsp - base), n * 8u);
  *ex = (MhException){
    .vector = vector,
    .has_error = has_error,
    .error = has_error ? frame[0] : 0,
    .rip = frame[has_error ? 1 : 0],
    .rsp = frame[has_error ? 4 : 3],
  };
  return TRUE;
}

/* " (not present, write, supervisor)": a page-fault error code bit by
 * bit, SDM 3A §4.7 Figure 4-12: P (bit 0), W/R (1), U/S (2), RSVD (3),
 * I/D (4, with EFER.NXE), PK (5). */
static void
x86_append_pf_error(GString *s, guint64 error)
{
  g_string_append_printf(s, " (%s, %s, %s%s%s)",
                         (error & 0x1) ? "present" : "not present",
                         (error & 0x10)  ? "fetch"
                         : (error & 0x2) ? "write"
                                         : "read",
                         (error & 0x4) ? "user" : "supervisor",
                         (error & 0x8) ? ", reserved bit" : "",
                         (error & 0x20) ? ", protection key" : "");
}

/* @rip_text, or "RIP 0x..." when the caller has no names for it. */
static char *
x86_rip_text(guint64 rip, const char *rip_text)
{
  if (rip_text != NULL)
    return g_strdup(rip_text);
  return g_strdup_printf("RIP 0x%" G_GINT64_MODIFIER "x", rip);
}

char *
mh_x86_describe_exception(const MhException *ex, guint64 ram_size,
                          const char *rip_text)
{
  /* SDM 3A §6.3.1 Table 6-1; 21 #CP (CET), 28-30 AMD (APM 2 §8.2). */
  static const char *const names[MH_IDT_VECTORS][2] = {
    {"DE", "divide error"},
    {"DB", "debug exception"},
    {"NMI", "non-maskable interrupt"},
    {"BP", "breakpoint"},
    {"OF", "overflow"},
    {"BR", "BOUND range exceeded"},
    {"UD", "invalid opcode"},
    {"NM", "device not available"},
    {"DF", "double fault"},
    {"CSO", "coprocessor segment overrun"},
    {"TS", "invalid TSS"},
    {"NP", "segment not present"},
    {"SS", "stack-segment fault"},
    {"GP", "general protection fault"},
    {"PF", "page fault"},
    {"15", "reserved exception 15"},
    {"MF", "x87 floating-point error"},
    {"AC", "alignment check"},
    {"MC", "machine check"},
    {"XM", "SIMD floating-point exception"},
    {"VE", "virtualization exception"},
    {"CP", "control protection exception"},
    {"22", "reserved exception 22"},
    {"23", "reserved exception 23"},
    {"24", "reserved exception 24"},
    {"25", "reserved exception 25"},
    {"26", "reserved exception 26"},
    {"27", "reserved exception 27"},
    {"HV", "hypervisor injection exception"},
    {"VC", "VMM communication exception"},
    {"SX", "security exception"},
    {"31", "reserved exception 31"},
  };
  guint v = ex->vector < MH_IDT_VECTORS ? ex->vector : 15;
  GString *s = g_string_new(NULL);
  g_autofree char *rip = x86_rip_text(ex->rip, rip_text);

  g_string_append_printf(s, "%s (#%s) ", names[v][1], names[v][0]);
  /* #BP and #OF are traps: the pushed RIP is past the INT3/INTO. */
  if (v == 3 || v == 4)
    g_string_append_printf(s, "by the instruction ending at %s", rip);
  else
    g_string_append_printf(s, "at %s", rip);
  if (v == 14) {
    /* Page-fault error code, SDM 3A §4.7 Figure 4-12: P (bit 0), W/R
     * (1), U/S (2), RSVD (3), I/D (4, with EFER.NXE). */
    const char *access = (ex->error & 0x10)  ? "instruction fetch from"
                         : (ex->error & 0x2) ? "write to"
                                             : "read from";
    const char *why = (ex->error & 0x8) ? "a reserved bit set in a paging entry"
                      : (ex->error & 0x1)
                        ? "a protection violation (a read-only, "
                          "supervisor-only or execute-disabled page)"
                      : ex->cr2 < ram_size ? "not mapped"
                                           : "outside guest RAM";
    g_string_append_printf(s,
                           ": %s address 0x%" G_GINT64_MODIFIER "x (CR2), %s",
                           access, ex->cr2, why);
  }
  if (ex->has_error) {
    g_string_append_printf(s, "; error code 0x%" G_GINT64_MODIFIER "x",
                           ex->error);
    if (v == 14)
      x86_append_pf_error(s, ex->error);
    /* A selector error code (SDM 3A §6.13) with IDT set: an INT n past
     * the IDT's limit, or an interrupt gate that is not valid. */
    else if (v != 8 && (ex->error & 0x2))
      g_string_append_printf(s, " (IDT vector 0x%" G_GINT64_MODIFIER "x)",
                             (ex->error >> 3) & 0x1fff);
  }
  /* The stack pointer the guest had (pushed by the CPU, SDM 3A §6.14.2):
   * with RIP, where a guest author starts looking. */
  g_string_append_printf(s, "; RSP 0x%" G_GINT64_MODIFIER "x", ex->rsp);
  return g_string_free(s, FALSE);
}

char *
mh_x86_describe_fault(const MhException *ex, const char *rip_text)
{
  GString *s = g_string_new(NULL);
  g_autofree char *rip = x86_rip_text(ex->rip, rip_text);

  g_string_append_printf(s, "vector %u", ex->vector);
  if (ex->has_error) {
    g_string_append_printf(s, ", error code 0x%" G_GINT64_MODIFIER "x",
                           ex->error);
    if (ex->vector == 14)
      x86_append_pf_error(s, ex->error);
  }
  g_string_append_printf(s,
                         ", %s, RSP 0x%" G_GINT64_MODIFIER
                         "x, CR2 0x%" G_GINT64_MODIFIER "x",
                         rip, ex->rsp, ex->cr2);
  return g_string_free(s, FALSE);
}

gboolean
mh_x86_decode_pio(const guint8 *code, gsize avail, MhPioInsn *insn)
{
  gboolean opsize16 = FALSE;
  gsize i = 0;
  guint8 op;

  /* Prefixes: 66 (operand size), F2/F3 (rep), REX (40-4F); an
   * instruction is at most 15 bytes long. */
  for (; i < avail && i < 13; i++) {
    if (code[i] == 0x66)
      opsize16 = TRUE;
    else if (code[i] != 0xf2 && code[i] != 0xf3 && (code[i] & 0xf0) != 0x40)
      break;
  }
  if (i >= avail)
    return FALSE;
  op = code[i++];
  insn->port = -1;
  switch (op) {
  case 0xe4:
  case 0xe5:
  case 0xe6:
  case 0xe7: /* IN/OUT with imm8 port */
    if (i >= avail)
      return FALSE;
    insn->port = code[i++];
    insn->string = FALSE;
    break;
  case 0xec:
  case 0xed:
  case 0xee:
  case 0xef: /* IN/OUT with DX        */ insn->string = FALSE; break;
  case 0x6c:
  case 0x6d:
  case 0x6e:
  case 0x6f: /* INS/OUTS              */ insn->string = TRUE; break;
  default: return FALSE;
  }
  /* Even opcodes move a byte; odd ones 16 or 32 bits (there is no 64-bit
   * port I/O). */
  insn->size = (op & 1) == 0 ? 1 : opsize16 ? 2 : 4;
  /* IN: E4/E5/EC/ED; INS: 6C/6D. */
  insn->in = (op & 2) == 0;
  insn->length = (guint)i;
  return TRUE;
}

gboolean
mh_x86_is_simd(const guint8 *code, gsize n)
{
  gsize i = 0;
  guint8 op;

  while (i < n && (code[i] == 0x66 || code[i] == 0xf2 || code[i] == 0xf3 ||
                   (code[i] & 0xf0) == 0x40))
    i++;
  if (i >= n)
    return FALSE;
  /* VEX (C4, C5) and EVEX (62) prefixes exist only for AVX in 64-bit mode. */
  if (code[i] == 0xc4 || code[i] == 0xc5 || code[i] == 0x62)
    return TRUE;
  if (code[i] != 0x0f || i + 1 >= n)
    return FALSE;
  op = code[i + 1];
  /* Two-byte opcode map (SDM 2, Table A-3): the SSE/MMX rows. */
  return (op >= 0x10 && op <= 0x17) || (op >= 0x28 && op <= 0x2f) ||
         op == 0x38 || op == 0x3a || (op >= 0x50 && op <= 0x7f) || op == 0xc2 ||
         (op >= 0xc4 && op <= 0xc6) || op >= 0xd0;
}
