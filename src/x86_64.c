/* SPDX-License-Identifier: MIT */
/* x86_64.c - page tables, segments and control registers for long mode. */
#include "config.h"

#include "x86_64.h"

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

gboolean
mh_x86_build_page_tables(guint8 *buf, gsize buf_size, guint64 buf_gpa,
                         guint64 ram_size, guint64 page_size,
                         MhPageTables *out, GError **error)
{
  /* Intermediate entries: present, writable, user, accessed. */
  const guint64 table_flags = MH_PTE_P | MH_PTE_RW | MH_PTE_US | MH_PTE_A;
  /* Leaf entries also preset Dirty, so the CPU never writes the tables. */
  const guint64 leaf_flags = table_flags | MH_PTE_D;
  guint64 leaves, n_pd_entries;
  guint n_pt, n_pd, total;
  guint8 *pml4, *pdpt, *pd, *pt;

  if ((page_size != MH_PAGE_4K && page_size != MH_PAGE_2M) || ram_size == 0 ||
      ram_size % page_size != 0 || ram_size > (1ull << 30)) {
    g_set_error(error, MH_ERROR, MH_ERROR_HOST,
                "cannot identity-map %" G_GUINT64_FORMAT " bytes with %"
                G_GUINT64_FORMAT "-byte pages", ram_size, page_size);
    return FALSE;
  }

  leaves = ram_size / page_size;
  n_pt = page_size == MH_PAGE_4K ? x86_tables_for(leaves) : 0;
  n_pd_entries = page_size == MH_PAGE_4K ? n_pt : leaves;
  n_pd = x86_tables_for(n_pd_entries);
  /* <= 1 GiB of RAM: one PDPT entry, so one PD, one PDPT, one PML4. */
  total = 1 + 1 + n_pd + n_pt;
  if ((gsize)total * MH_PT_TABLE_SIZE > buf_size) {
    g_set_error(error, MH_ERROR, MH_ERROR_HOST,
                "page tables need %u KiB, more than the %" G_GSIZE_FORMAT
                " KiB reserved", total * 4u, buf_size / 1024);
    return FALSE;
  }

  pml4 = buf;
  pdpt = pml4 + MH_PT_TABLE_SIZE;
  pd = pdpt + MH_PT_TABLE_SIZE;
  pt = pd + (gsize)n_pd * MH_PT_TABLE_SIZE;

  x86_put_entry(pml4, 0, (buf_gpa + MH_PT_TABLE_SIZE) | table_flags);
  x86_put_entry(pdpt, 0, (buf_gpa + 2 * MH_PT_TABLE_SIZE) | table_flags);
  for (guint64 i = 0; i < n_pd_entries; i++) {
    guint64 entry;
    if (page_size == MH_PAGE_2M)
      entry = (i * MH_PAGE_2M) | leaf_flags | MH_PTE_PS;
    else
      entry = (buf_gpa + (pt - buf) + i * MH_PT_TABLE_SIZE) | table_flags;
    x86_put_entry(pd, (guint)i, entry);
  }
  for (guint64 i = 0; n_pt > 0 && i < leaves; i++)
    x86_put_entry(pt, (guint)i, (i * MH_PAGE_4K) | leaf_flags);

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

void
mh_x86_setup_long_mode(guint8 *monitor, guint64 cr3, struct kvm_sregs *sregs)
{
  /* 64-bit code segment, SDM 3A §5.2.1 "Code-Segment Descriptor in
   * 64-bit Mode": L = 1, D = 0; type 0xB = execute/read, accessed
   * (§3.4.5.1, Table 3-1); S = 1 (code/data); DPL 0. */
  struct kvm_segment code = {
    .base = 0, .limit = 0xffffffff, .selector = MH_GDT_SEL_CODE,
    .type = 0xb, .present = 1, .dpl = 0, .db = 0, .s = 1, .l = 1, .g = 1,
  };
  /* Flat data segment: type 0x3 = read/write, accessed; D/B = 1. */
  struct kvm_segment data = {
    .base = 0, .limit = 0xffffffff, .selector = MH_GDT_SEL_DATA,
    .type = 0x3, .present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
  };
  /* TR must hold a busy 64-bit TSS (type 0xB) for VM entry in IA-32e
   * mode, SDM 3C §27.3.1.2 "Checks on Guest Segment Registers". */
  struct kvm_segment tss = {
    .base = MH_MONITOR_GPA + MH_MONITOR_TSS_OFF, .limit = MH_TSS_SIZE - 1,
    .selector = MH_GDT_SEL_TSS, .type = 0xb, .present = 1, .s = 0, .g = 0,
  };
  guint64 gdt[MH_GDT_SIZE / 8] = {0};

  gdt[MH_GDT_SEL_CODE / 8] = mh_x86_encode_descriptor(&code);
  gdt[MH_GDT_SEL_DATA / 8] = mh_x86_encode_descriptor(&data);
  /* A 64-bit TSS descriptor is 16 bytes: the upper half holds base 63:32
   * (SDM 3A §8.2.3, Figure 8-4); our base is below 4 GiB, so it is 0. */
  gdt[MH_GDT_SEL_TSS / 8] = mh_x86_encode_descriptor(&tss);
  memcpy(monitor + MH_MONITOR_GDT_OFF, gdt, sizeof gdt);

  sregs->cs = code;
  sregs->ds = sregs->es = sregs->fs = sregs->gs = sregs->ss = data;
  sregs->tr = tss;
  sregs->gdt.base = MH_MONITOR_GPA + MH_MONITOR_GDT_OFF;
  sregs->gdt.limit = MH_GDT_SIZE - 1;
  /* No IDT: any exception escalates to a triple fault, which KVM reports
   * as KVM_EXIT_SHUTDOWN and we turn into a diagnosis. */
  sregs->idt.base = 0;
  sregs->idt.limit = 0;

  sregs->cr3 = cr3;
  sregs->cr4 = MH_CR4_PAE | MH_CR4_OSFXSR | MH_CR4_OSXMMEXCPT;
  sregs->cr0 = MH_CR0_PE | MH_CR0_MP | MH_CR0_ET | MH_CR0_NE | MH_CR0_WP |
               MH_CR0_PG;
  sregs->efer = MH_EFER_LME | MH_EFER_LMA;
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
  case 0xe4: case 0xe5: case 0xe6: case 0xe7: /* IN/OUT with imm8 port */
    if (i >= avail)
      return FALSE;
    insn->port = code[i++];
    insn->string = FALSE;
    break;
  case 0xec: case 0xed: case 0xee: case 0xef: /* IN/OUT with DX        */
    insn->string = FALSE;
    break;
  case 0x6c: case 0x6d: case 0x6e: case 0x6f: /* INS/OUTS              */
    insn->string = TRUE;
    break;
  default:
    return FALSE;
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
         op == 0x38 || op == 0x3a || (op >= 0x50 && op <= 0x7f) ||
         op == 0xc2 || (op >= 0xc4 && op <= 0xc6) || op >= 0xd0;
}
