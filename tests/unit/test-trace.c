/* SPDX-License-Identifier: MIT */
/* Units for the trace's event formatting: JSON strings, times, exits. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib.h>

#include "json.h"
#include "trace.h"
#include "unit-main.h"

static char *
json_string(const char *text)
{
  GString *out = g_string_new(NULL);

  mh_json_escape(out, text);
  return g_string_free(out, FALSE);
}

static void
test_json_string(void)
{
  struct {
    const char *in, *out;
  } cases[] = {
    {"vm 0 (hello.img)", "\"vm 0 (hello.img)\""},
    {"a\"b\\c", "\"a\\\"b\\\\c\""},
    {"line\nnext\r\t", "\"line\\nnext\\r\\t\""},
    {"\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\""},
    {"héllo", "\"héllo\""}, /* UTF-8 stays as it is */
    {"", "\"\""},
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *got = json_string(cases[i].in);
    g_assert_cmpstr(got, ==, cases[i].out);
  }
}

static void
test_guest_span(void)
{
  g_autoptr(GString) out = g_string_new(NULL);

  /* Microseconds with nanoseconds as the fraction, exactly. */
  mh_trace_format_guest(out, 3, G_GINT64_CONSTANT(12345678901), 7);
  g_assert_cmpstr(out->str, ==,
                  ",\n{\"name\":\"guest\",\"cat\":\"guest\",\"ph\":\"X\","
                  "\"pid\":1,\"tid\":3,\"ts\":12345678.901,\"dur\":0.007}");
}

static void
test_io_out(void)
{
  g_autoptr(GString) out = g_string_new(NULL);
  guint8 data[] = {'H'};
  MhTraceExit e = {
    .tid = 0,
    .ts_ns = 1500,
    .dur_ns = 250,
    .reason = KVM_EXIT_IO,
    .has_rip = TRUE,
    .rip = 0xfe,
    .addr = 0xe9,
    .write = TRUE,
    .size = 1,
    .count = 1,
    .data = data,
  };

  mh_trace_format_exit(out, &e);
  g_assert_cmpstr(out->str, ==,
                  ",\n{\"name\":\"io out 0xe9\",\"cat\":\"exit\",\"ph\":\"X\","
                  "\"pid\":1,\"tid\":0,\"ts\":1.500,\"dur\":0.250,\"args\":{"
                  "\"reason\":\"io\",\"port\":\"0xe9\",\"dir\":\"out\","
                  "\"size\":1,\"count\":1,\"data\":\"48\",\"rip\":\"0xfe\"}}");
}

static void
test_io_data_bounded(void)
{
  g_autoptr(GString) out = g_string_new(NULL);
  guint8 data[4 * 3];
  MhTraceExit e = {
    .tid = 1,
    .reason = KVM_EXIT_IO,
    .addr = 0x278,
    .write = FALSE,
    .size = 4,
    .count = 3,
    .data = data,
  };

  for (guint i = 0; i < sizeof data; i++)
    data[i] = (guint8)(0xa0 + i);
  mh_trace_format_exit(out, &e);
  /* The first MH_TRACE_DATA_MAX bytes, then "..."; no RIP if unknown. */
  g_assert_nonnull(strstr(out->str, "\"name\":\"io in 0x278\""));
  g_assert_nonnull(strstr(out->str, "\"dir\":\"in\",\"size\":4,\"count\":3,"
                                    "\"data\":\"a0a1a2a3a4a5a6a7...\"}}"));
  g_assert_null(strstr(out->str, "rip"));
}

static void
test_other_exits(void)
{
  guint8 bytes[8] = {1, 2, 3, 4};
  struct {
    MhTraceExit e;
    const char *want;
  } cases[] = {
    {{.reason = KVM_EXIT_HLT, .has_rip = TRUE, .rip = 0x3a},
     "\"name\":\"hlt\",\"cat\":\"exit\",\"ph\":\"X\",\"pid\":1,\"tid\":0,"
     "\"ts\":0.000,\"dur\":0.000,\"args\":{\"reason\":\"hlt\","
     "\"rip\":\"0x3a\"}}"},
    {{.reason = KVM_EXIT_MMIO,
      .addr = 0x800000,
      .write = TRUE,
      .size = 4,
      .data = bytes},
     "\"name\":\"mmio write\",\"cat\":\"exit\",\"ph\":\"X\",\"pid\":1,"
     "\"tid\":0,\"ts\":0.000,\"dur\":0.000,\"args\":{\"reason\":\"mmio\","
     "\"addr\":\"0x800000\",\"dir\":\"write\",\"size\":4,"
     "\"data\":\"01020304\"}}"},
    {{.reason = KVM_EXIT_MMIO,
      .addr = 0x800000,
      .write = FALSE,
      .size = 2,
      .data = bytes},
     "\"args\":{\"reason\":\"mmio\",\"addr\":\"0x800000\",\"dir\":\"read\","
     "\"size\":2}}"},
    {{.reason = 63}, "\"name\":\"exit 63\""},
    {{.reason = KVM_EXIT_IO, .run_errno = EFAULT},
     "\"name\":\"error\",\"cat\":\"exit\""},
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GString) out = g_string_new(NULL);
    mh_trace_format_exit(out, &cases[i].e);
    if (strstr(out->str, cases[i].want) == NULL)
      g_error("case %" G_GSIZE_FORMAT ": %s lacks %s", i, out->str,
              cases[i].want);
  }
}

static const MhUnitTest tests[] = {
  {"/trace/json-string", test_json_string},
  {"/trace/guest-span", test_guest_span},
  {"/trace/io-out", test_io_out},
  {"/trace/io-data-bounded", test_io_data_bounded},
  {"/trace/other-exits", test_other_exits},
};

MH_UNIT_MAIN(tests)
