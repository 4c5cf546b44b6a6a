/* SPDX-License-Identifier: MIT */
/* Units for the page-table builder, descriptors and the PIO decoder. */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "error.h"
#include "x86_64.h"
#include "unit-main.h"

#define BASE     (MH_MONITOR_GPA + MH_MONITOR_PT_OFF)
#define BUF_SIZE (MH_MONITOR_SIZE - MH_MONITOR_PT_OFF)

static guint64
entry(const guint8 *buf, guint64 table_gpa, guint index)
{
  guint64 value;
  memcpy(&value, buf + (table_gpa - BASE) + index * 8u, sizeof value);
  return value;
}

/* Walks the tables like the MMU (SDM 3A §4.5) and returns the physical
 * address @va maps to, or G_MAXUINT64 if it is not mapped; the leaf
 * entry in *@leaf if @leaf is not NULL. */
static guint64
walk_leaf(const guint8 *buf, guint64 cr3, guint64 va, guint64 *leaf)
{
  const guint64 addr_mask = 0x000ffffffffff000ull;
  guint64 e = entry(buf, cr3, (va >> 39) & 511);
  if (!(e & MH_PTE_P))
    return G_MAXUINT64;
  e = entry(buf, e & addr_mask, (va >> 30) & 511);
  if (!(e & MH_PTE_P))
    return G_MAXUINT64;
  e = entry(buf, e & addr_mask, (va >> 21) & 511);
  if (!(e & MH_PTE_P))
    return G_MAXUINT64;
  if (leaf != NULL)
    *leaf = e;
  if (e & MH_PTE_PS)
    return (e & 0x000fffffffe00000ull) | (va & (MH_PAGE_2M - 1));
  e = entry(buf, e & addr_mask, (va >> 12) & 511);
  if (!(e & MH_PTE_P))
    return G_MAXUINT64;
  if (leaf != NULL)
    *leaf = e;
  return (e & addr_mask) | (va & (MH_PAGE_4K - 1));
}

static guint64
walk(const guint8 *buf, guint64 cr3, guint64 va)
{
  return walk_leaf(buf, cr3, va, NULL);
}

typedef struct {
  guint mb;
  guint64 page;
  guint n_pd, n_pt, leaves;
} Layout;

static void
test_layout(gconstpointer data)
{
  const Layout *l = data;
  g_autofree guint8 *buf = g_malloc0(BUF_SIZE);
  g_autoptr(GError) error = NULL;
  guint64 ram = (guint64)l->mb << 20;
  MhPageTables t;

  g_assert_true(
    mh_x86_build_page_tables(buf, BUF_SIZE, BASE, ram, l->page, &t, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(t.cr3, ==, BASE);
  g_assert_cmpuint(t.n_pml4, ==, 1);
  g_assert_cmpuint(t.n_pdpt, ==, 1);
  g_assert_cmpuint(t.n_pd, ==, l->n_pd);
  g_assert_cmpuint(t.n_pt, ==, l->n_pt);
  g_assert_cmpuint(t.n_leaves, ==, l->leaves);
  g_assert_cmpuint(t.tables_size, ==, (4u + l->n_pd + l->n_pt) * 4096u);

  /* Every page of RAM maps to itself; the first byte past RAM and the
   * tables themselves are not mapped; the monitor's first two pages are,
   * at their own address. */
  for (guint64 va = 0; va < ram; va += l->page) {
    g_assert_cmpuint(walk(buf, t.cr3, va), ==, va);
    g_assert_cmpuint(walk(buf, t.cr3, va + l->page - 1), ==, va + l->page - 1);
  }
  g_assert_cmpuint(walk(buf, t.cr3, ram), ==, G_MAXUINT64);
  g_assert_cmpuint(walk(buf, t.cr3, ram + l->page), ==, G_MAXUINT64);
  g_assert_cmpuint(walk(buf, t.cr3, BASE), ==, G_MAXUINT64);
  g_assert_cmpuint(walk(buf, t.cr3, MH_MONITOR_GPA + MH_MONITOR_SIZE), ==,
                   G_MAXUINT64);
  g_assert_cmpuint(walk(buf, t.cr3, MH_MONITOR_GPA - 1), ==, G_MAXUINT64);
  g_assert_cmpuint(walk(buf, t.cr3, 1ull << 39), ==, G_MAXUINT64);
  {
    guint64 leaf = 0;
    /* GDT, IDT, TSS, stubs: present, read-only, supervisor, executable. */
    g_assert_cmpuint(walk_leaf(buf, t.cr3, MH_MONITOR_GPA + 0xfff, &leaf), ==,
                     MH_MONITOR_GPA + 0xfff);
    g_assert_cmpuint(leaf & (MH_PTE_P | MH_PTE_RW | MH_PTE_US | MH_PTE_XD), ==,
                     MH_PTE_P);
    /* The exception stack: writable, supervisor, execute-disable. */
    g_assert_cmpuint(walk_leaf(buf, t.cr3,
                               MH_MONITOR_GPA + MH_MONITOR_STACK_OFF, &leaf),
                     ==, MH_MONITOR_GPA + MH_MONITOR_STACK_OFF);
    g_assert_cmpuint(leaf & (MH_PTE_P | MH_PTE_RW | MH_PTE_US | MH_PTE_XD), ==,
                     MH_PTE_P | MH_PTE_RW | MH_PTE_XD);
  }

  /* Leaves are writable, user-accessible, with Accessed and Dirty preset
   * so the CPU never needs to write the tables. */
  {
    guint64 pd = entry(buf, t.cr3, 0) & ~0xfffull;
    pd = entry(buf, pd, 0) & ~0xfffull;
    guint64 leaf = entry(buf, pd, 0);
    if (l->page == MH_PAGE_4K)
      leaf = entry(buf, leaf & ~0xfffull, 0);
    g_assert_cmpuint(leaf & 0x7f, ==,
                     MH_PTE_P | MH_PTE_RW | MH_PTE_US | MH_PTE_A | MH_PTE_D);
  }
}

static void
test_refuses(void)
{
  g_autofree guint8 *buf = g_malloc0(BUF_SIZE);
  MhPageTables t;
  GError *error = NULL;

  g_assert_false(
    mh_x86_build_page_tables(buf, BUF_SIZE, BASE, 0, MH_PAGE_2M, &t, &error));
  g_clear_error(&error);
  g_assert_false(mh_x86_build_page_tables(buf, BUF_SIZE, BASE, 3u << 20,
                                          MH_PAGE_2M, &t, &error));
  g_clear_error(&error);
  g_assert_false(
    mh_x86_build_page_tables(buf, BUF_SIZE, BASE, 2u << 20, 8192, &t, &error));
  g_clear_error(&error);
  /* 64 MiB of 4 KiB pages needs 35 tables: more than the buffer holds. */
  g_assert_false(mh_x86_build_page_tables(buf, BUF_SIZE, BASE, 64u << 20,
                                          MH_PAGE_4K, &t, &error));
  g_assert_error(error, MH_ERROR, MH_ERROR_HOST);
  g_clear_error(&error);
}

static void
test_long_mode(void)
{
  g_autofree guint8 *monitor = g_malloc0(MH_MONITOR_SIZE);
  struct kvm_sregs s = {0};
  guint64 gdt[MH_GDT_SIZE / 8];

  mh_x86_setup_long_mode(monitor, BASE, 0xeb, &s);
  g_assert_cmpuint(s.cr3, ==, BASE);
  g_assert_true(s.cr0 & MH_CR0_PE);
  g_assert_true(s.cr0 & MH_CR0_PG);
  g_assert_false(s.cr0 & MH_CR0_EM);
  g_assert_cmpuint(s.cr4 & MH_CR4_PAE, ==, 1u << 5);
  g_assert_cmpuint(MH_CR4_OSFXSR, ==, 0x200);
  g_assert_cmpuint(s.efer & (MH_EFER_LME | MH_EFER_LMA), ==, 0x500);
  g_assert_cmpuint(s.cs.l, ==, 1);
  g_assert_cmpuint(s.cs.db, ==, 0);
  g_assert_cmpuint(s.cs.selector, ==, MH_GDT_SEL_CODE);
  g_assert_cmpuint(s.ss.selector, ==, MH_GDT_SEL_DATA);
  g_assert_cmpuint(s.tr.type, ==, 0xb);
  g_assert_cmpuint(s.gdt.base, ==, MH_MONITOR_GPA);
  g_assert_cmpuint(s.idt.base, ==, MH_MONITOR_GPA + MH_MONITOR_IDT_OFF);
  g_assert_cmpuint(s.idt.limit, ==, 32 * 16 - 1);
  g_assert_true(s.efer & MH_EFER_NXE);

  /* Every gate leads to its stub, on IST1, as a present DPL-0 64-bit
   * interrupt gate; every stub reports on the port. */
  for (guint v = 0; v < MH_IDT_VECTORS; v++) {
    guint64 lo, hi, stub = MH_MONITOR_GPA + MH_MONITOR_STUB_OFF + v * 8u;
    const guint8 *code = monitor + (stub - MH_MONITOR_GPA);
    memcpy(&lo, monitor + MH_MONITOR_IDT_OFF + v * 16u, 8);
    memcpy(&hi, monitor + MH_MONITOR_IDT_OFF + v * 16u + 8, 8);
    g_assert_cmpuint((lo & 0xffff) | ((lo >> 48) << 16) | (hi << 32), ==, stub);
    g_assert_cmpuint((lo >> 16) & 0xffff, ==, MH_GDT_SEL_CODE);
    g_assert_cmpuint((lo >> 32) & 7, ==, 1);       /* IST1 */
    g_assert_cmpuint((lo >> 40) & 0xff, ==, 0x8e); /* P, DPL 0, type E */
    g_assert_cmpuint(code[0], ==, 0xe6);
    g_assert_cmpuint(code[1], ==, 0xeb);
    g_assert_cmpint(mh_x86_stub_vector(stub), ==, (gint)v);
    g_assert_cmpint(mh_x86_stub_vector(stub + MH_STUB_REPORT_LEN), ==, (gint)v);
    g_assert_cmpint(mh_x86_stub_vector(stub + 1), ==, -1);
  }
  g_assert_cmpint(mh_x86_stub_vector(MH_MONITOR_GPA + MH_MONITOR_STUB_OFF - 8),
                  ==, -1);
  g_assert_cmpint(mh_x86_stub_vector(MH_MONITOR_GPA + MH_MONITOR_STUB_OFF +
                                     32 * 8),
                  ==, -1);
  g_assert_cmpint(mh_x86_stub_vector(0x2), ==, -1);
  {
    guint64 ist1;
    memcpy(&ist1, monitor + MH_MONITOR_TSS_OFF + 0x24, 8);
    g_assert_cmpuint(ist1, ==, MH_MONITOR_GPA + MH_MONITOR_STACK_OFF + 4096);
  }

  memcpy(gdt, monitor, sizeof gdt);
  g_assert_cmpuint(gdt[0], ==, 0);
  /* The canonical flat 64-bit code descriptor (G, L, P, S, type B). */
  g_assert_cmpuint(gdt[1], ==, 0x00af9b000000ffffull);
  g_assert_cmpuint(gdt[2], ==, 0x00cf93000000ffffull);
}

/* The frame an exception leaves on the stack, and its description. */
static void
test_exception(void)
{
  g_autofree guint8 *stack = g_malloc0(4096);
  const guint64 top = MH_MONITOR_GPA + MH_MONITOR_STACK_OFF + 4096;
  /* #PF pushes an error code: [error, RIP, CS, RFLAGS, RSP, SS]. */
  const guint64 pf[6] = {0x2, 0x40, 0x8, 0x2, 0x3ffff8, 0x10};
  const guint64 ud[5] = {0x1234, 0x8, 0x2, 0x1000, 0x10};
  MhException ex;
  char *s;

  memcpy(stack + 4096 - sizeof pf, pf, sizeof pf);
  g_assert_true(mh_x86_exception_frame(stack, top - sizeof pf, 14, &ex));
  g_assert_true(ex.has_error);
  g_assert_cmpuint(ex.error, ==, 2);
  g_assert_cmpuint(ex.rip, ==, 0x40);
  g_assert_cmpuint(ex.rsp, ==, 0x3ffff8);
  ex.cr2 = 0xfffffffffffffff8ull;
  s = mh_x86_describe_exception(&ex, 4u << 20, NULL);
  g_assert_cmpstr(s, ==,
                  "page fault (#PF) at RIP 0x40: write to address "
                  "0xfffffffffffffff8 (CR2), outside guest RAM; error code 0x2 "
                  "(not present, write, supervisor); RSP 0x3ffff8");
  g_free(s);
  ex.error = 0x10; /* an instruction fetch */
  ex.cr2 = 0x400000;
  s = mh_x86_describe_exception(&ex, 4u << 20, NULL);
  g_assert_cmpstr(s, ==,
                  "page fault (#PF) at RIP 0x40: instruction fetch from "
                  "address 0x400000 (CR2), outside guest RAM; error code 0x10 "
                  "(not present, fetch, supervisor); RSP 0x3ffff8");
  g_free(s);
  ex.error = 0x3; /* a write to a present page */
  ex.cr2 = MH_MONITOR_GPA;
  s = mh_x86_describe_exception(&ex, 4u << 20, NULL);
  g_assert_true(
    g_str_has_prefix(s, "page fault (#PF) at RIP 0x40: write to address "
                        "0x40000000 (CR2), a protection violation"));
  g_free(s);

  memcpy(stack + 4096 - sizeof ud, ud, sizeof ud);
  g_assert_true(mh_x86_exception_frame(stack, top - sizeof ud, 6, &ex));
  g_assert_false(ex.has_error);
  g_assert_cmpuint(ex.rip, ==, 0x1234);
  s = mh_x86_describe_exception(&ex, 4u << 20, NULL);
  g_assert_cmpstr(s, ==, "invalid opcode (#UD) at RIP 0x1234; RSP 0x1000");
  g_free(s);
  ex.vector = 3;
  s = mh_x86_describe_exception(&ex, 4u << 20, NULL);
  g_assert_cmpstr(s, ==,
                  "breakpoint (#BP) by the instruction ending at RIP "
                  "0x1234; RSP 0x1000");
  g_free(s);
  /* int $0x80 past the IDT's limit: #GP with the IDT bit and the vector. */
  ex = (MhException){.vector = 13,
                     .has_error = TRUE,
                     .error = 0x80 * 8 + 2,
                     .rip = 0x80,
                     .rsp = 0x3ffff0};
  s = mh_x86_describe_exception(&ex, 4u << 20, NULL);
  g_assert_cmpstr(s, ==,
                  "general protection fault (#GP) at RIP 0x80; error code "
                  "0x402 (IDT vector 0x80); RSP 0x3ffff0");
  g_free(s);

  /* The full report for -v: every #PF error-code bit by name. */
  ex = (MhException){.vector = 14,
                     .has_error = TRUE,
                     .error = 0x10,
                     .rip = 0x400000,
                     .rsp = 0x3fffd8,
                     .cr2 = 0x400000};
  s = mh_x86_describe_fault(&ex, NULL);
  g_assert_cmpstr(s, ==,
                  "vector 14, error code 0x10 (not present, fetch, "
                  "supervisor), RIP 0x400000, RSP 0x3fffd8, CR2 0x400000");
  g_free(s);
  ex.error = 0x7 | 0x8 | 0x20;
  s = mh_x86_describe_fault(&ex, NULL);
  g_assert_cmpstr(s, ==,
                  "vector 14, error code 0x2f (present, write, user, "
                  "reserved bit, protection key), RIP 0x400000, RSP 0x3fffd8, "
                  "CR2 0x400000");
  g_free(s);
  ex = (MhException){.vector = 6, .rip = 0x10, .rsp = 0x1000};
  s = mh_x86_describe_fault(&ex, NULL);
  g_assert_cmpstr(s, ==, "vector 6, RIP 0x10, RSP 0x1000, CR2 0x0");
  g_free(s);

  /* A frame that would not lie inside the stack page is refused. */
  g_assert_false(mh_x86_exception_frame(stack, top - 8, 6, &ex));
  g_assert_false(mh_x86_exception_frame(stack, top - 40, 14, &ex));
  g_assert_false(mh_x86_exception_frame(stack, top, 6, &ex));
  g_assert_false(mh_x86_exception_frame(stack, top - 4097, 6, &ex));
  g_assert_false(mh_x86_exception_frame(stack, 0, 6, &ex));
  g_assert_true(mh_x86_exception_frame(stack, top - 4096, 6, &ex));
}

static void
test_decode_pio(void)
{
  static const struct {
    guint8 bytes[6];
    gsize n;
    gboolean ok, in, string;
    guint length, size;
    gint port;
  } cases[] = {
    {{0xe6, 0xe9}, 2, TRUE, FALSE, FALSE, 2, 1, 0xe9}, /* out 0xe9, al   */
    {{0xe5, 0x80}, 2, TRUE, TRUE, FALSE, 2, 4, 0x80},  /* in eax, 0x80   */
    {{0x66, 0xe7, 0x10},
     3,
     TRUE,
     FALSE,
     FALSE,
     3,
     2,
     0x10},                                              /* out 0x10, ax   */
    {{0xee}, 1, TRUE, FALSE, FALSE, 1, 1, -1},           /* out dx, al     */
    {{0xec}, 1, TRUE, TRUE, FALSE, 1, 1, -1},            /* in al, dx      */
    {{0x66, 0xed}, 2, TRUE, TRUE, FALSE, 2, 2, -1},      /* in ax, dx      */
    {{0xf3, 0x6e}, 2, TRUE, FALSE, TRUE, 2, 1, -1},      /* rep outsb      */
    {{0xf3, 0x48, 0x6d}, 3, TRUE, TRUE, TRUE, 3, 4, -1}, /* rep insd (REX) */
    {{0x66, 0x66, 0x66, 0xee},
     4,
     TRUE,
     FALSE,
     FALSE,
     4,
     1,
     -1},                                            /* redundant 66s */
    {{0xe6}, 1, FALSE, FALSE, FALSE, 0, 0, 0},       /* truncated      */
    {{0x90}, 1, FALSE, FALSE, FALSE, 0, 0, 0},       /* nop            */
    {{0x66, 0x66}, 2, FALSE, FALSE, FALSE, 0, 0, 0}, /* prefixes only  */
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    MhPioInsn insn;
    gboolean ok = mh_x86_decode_pio(cases[i].bytes, cases[i].n, &insn);
    g_assert_cmpint(ok, ==, cases[i].ok);
    if (!ok)
      continue;
    g_assert_cmpint(insn.in, ==, cases[i].in);
    g_assert_cmpint(insn.string, ==, cases[i].string);
    g_assert_cmpuint(insn.length, ==, cases[i].length);
    g_assert_cmpuint(insn.size, ==, cases[i].size);
    g_assert_cmpint(insn.port, ==, cases[i].port);
  }
}

static void
test_is_simd(void)
{
  static const struct {
    guint8 bytes[5];
    gsize n;
    gboolean simd;
  } cases[] = {
    {{0x0f, 0x28, 0xc1}, 3, TRUE},       /* movaps xmm0, xmm1        */
    {{0x66, 0x0f, 0xef, 0xc0}, 4, TRUE}, /* pxor xmm0, xmm0          */
    {{0xf3, 0x0f, 0x10, 0x07}, 4, TRUE}, /* movss xmm0, [rdi]        */
    {{0xc5, 0xf8, 0x77}, 3, TRUE},       /* vzeroupper (VEX)         */
    {{0x62, 0xf1, 0x7c, 0x48}, 4, TRUE}, /* EVEX                     */
    {{0xcc}, 1, FALSE},                  /* int3                     */
    {{0xcd, 0x80}, 2, FALSE},            /* int 0x80                 */
    {{0x0f, 0x0b}, 2, FALSE},            /* ud2                      */
    {{0x0f, 0x01, 0xc1}, 3, FALSE},      /* vmcall                   */
    {{0x48, 0x89, 0xc3}, 3, FALSE},      /* mov rbx, rax             */
    {{0x66, 0x66}, 2, FALSE},            /* prefixes only            */
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
    g_assert_cmpint(mh_x86_is_simd(cases[i].bytes, cases[i].n), ==,
                    cases[i].simd);
}

/* One test a page-table layout (memory size and page size). */
static void
add_layouts(void)
{
  static const Layout layouts[] = {
    {2, MH_PAGE_2M, 1, 0, 1},    {4, MH_PAGE_2M, 1, 0, 2},
    {8, MH_PAGE_2M, 1, 0, 4},    {2, MH_PAGE_4K, 1, 1, 512},
    {4, MH_PAGE_4K, 1, 2, 1024}, {8, MH_PAGE_4K, 1, 4, 2048},
  };

  for (gsize i = 0; i < G_N_ELEMENTS(layouts); i++) {
    g_autofree char *path = g_strdup_printf("/x86/page-tables/%uMB-%s",
                                            layouts[i].mb,
                                            layouts[i].page == MH_PAGE_2M
                                              ? "2M"
                                              : "4K");
    g_test_add_data_func(path, &layouts[i], test_layout);
  }
}

static const MhUnitTest tests[] = {
  {"/x86/page-tables/refuses", test_refuses},
  {"/x86/long-mode", test_long_mode},
  {"/x86/exception", test_exception},
  {"/x86/decode-pio", test_decode_pio},
  {"/x86/is-simd", test_is_simd},
};

MH_UNIT_MAIN_ADD(add_layouts, tests)
