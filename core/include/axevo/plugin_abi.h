/*
 * axevo plugin ABI, version 1.
 *
 * A plugin is a shared object that exports plain C functions, so it can be written in C
 * or C++ and built with any compiler.  Every plugin exports
 *
 *     const axevo_plugin_info* axevo_plugin_get_info(void);
 *
 * (use AXEVO_DECLARE_PLUGIN below).  axevo refuses a plugin whose abi_version differs
 * from the host's AXEVO_PLUGIN_ABI_VERSION.  A multiplier library additionally exports
 *
 *     int axevo_multiplier_library_load(const axevo_host* host, const char* arg);
 *
 * It reports each multiplier by calling host->add_multiplier() and returns 0, or calls
 * host->error() with a message that names the file and line at fault and returns non-zero.
 * `arg` is the text after "NAME:" in a library SPEC such as "lut:/data/tables" (empty
 * when the SPEC has no colon).  All pointers handed to the host are only read during the
 * call; the host copies what it keeps, so plugins may pass stack or temporary memory.
 */
#ifndef AXEVO_PLUGIN_ABI_H
#define AXEVO_PLUGIN_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AXEVO_PLUGIN_ABI_VERSION 1u

#if defined(_WIN32)
#define AXEVO_EXPORT __declspec(dllexport)
#else
#define AXEVO_EXPORT __attribute__((visibility("default")))
#endif

/* Kinds of plugin. */
enum {
  AXEVO_PLUGIN_MULTIPLIER_LIBRARY = 1,
  AXEVO_PLUGIN_MODEL_FRONTEND = 2,
  AXEVO_PLUGIN_DATASET = 3
};

typedef struct axevo_plugin_info {
  uint32_t abi_version;    /* must be AXEVO_PLUGIN_ABI_VERSION */
  uint32_t kind;           /* one of AXEVO_PLUGIN_* */
  const char* name;        /* the name used in SPECs, e.g. "lut" */
  const char* description; /* one line for `axevo plugins` */
} axevo_plugin_info;

/* ---- Gate-level netlists --------------------------------------------------------------
 * Nets are numbered: 0 is constant 0, 1 is constant 1, 2..9 are A[0..7], 10..17 are
 * B[0..7]; every other net is driven by exactly one gate output.  HA and FA have two
 * outputs: out[0] is the sum, out[1] the carry.  MUX2 computes in[2] ? in[1] : in[0]
 * (in[2] is the select).  AOI21 = ~((in0 & in1) | in2), OAI21 = ~((in0 | in1) & in2).
 * FA sums in[0], in[1], in[2]; HA sums in[0], in[1].  Unused in/out slots are ignored. */
enum {
  AXEVO_CELL_AND2 = 0,
  AXEVO_CELL_OR2,
  AXEVO_CELL_NAND2,
  AXEVO_CELL_NOR2,
  AXEVO_CELL_XOR2,
  AXEVO_CELL_XNOR2,
  AXEVO_CELL_INV,
  AXEVO_CELL_BUF,
  AXEVO_CELL_NAND3,
  AXEVO_CELL_NOR3,
  AXEVO_CELL_AOI21,
  AXEVO_CELL_OAI21,
  AXEVO_CELL_MUX2,
  AXEVO_CELL_HA,
  AXEVO_CELL_FA,
  AXEVO_CELL_AND3,
  AXEVO_CELL_OR3,
  AXEVO_CELL_COUNT
};

#define AXEVO_NET_CONST0 0u
#define AXEVO_NET_CONST1 1u
#define AXEVO_NET_A0 2u
#define AXEVO_NET_B0 10u
#define AXEVO_NET_FIRST_INTERNAL 18u

typedef struct axevo_gate {
  uint32_t cell;
  uint32_t in[3];
  uint32_t out[2];
} axevo_gate;

typedef struct axevo_netlist {
  uint32_t num_nets;         /* nets are 0 .. num_nets-1 */
  uint32_t num_gates;
  const axevo_gate* gates;   /* any order; the host sorts them topologically */
  uint32_t outputs[16];      /* net of O[0] .. O[15] */
  const char* module_name;   /* may be NULL */
} axevo_netlist;

/* ---- Multipliers ---------------------------------------------------------------------
 * A signed 8x8 multiplier.  Give at least one of table, function and netlist; when
 * several are given the host checks that they agree.  The table has 65536 int16 entries;
 * the value for operands a (first, input A) and b (second, input B) is at index
 * ((uint8_t)a << 8) | (uint8_t)b.  Published figures that are unknown are NaN. */
typedef struct axevo_multiplier_record {
  const char* name;          /* unique, e.g. "mul8s_1KV8" */
  const char* source;        /* where it came from: a file path or a generator, may be NULL */
  const char* family;        /* approximation family, may be NULL */
  const char* params;        /* family parameters as text, may be NULL */
  const int16_t* table;      /* 65536 entries or NULL */
  int16_t (*function)(int8_t a, int8_t b); /* or NULL */
  const axevo_netlist* netlist;            /* or NULL */
  double power_mw;           /* published power, mW, NaN if unknown */
  double area_um2;           /* published area, um^2, NaN if unknown */
  double delay_ns;           /* published delay, ns, NaN if unknown */
} axevo_multiplier_record;

/* Callbacks the host gives a plugin. */
typedef struct axevo_host {
  uint32_t abi_version;
  void* context;
  /* Returns 0 when accepted; non-zero when rejected (the host has recorded why). */
  int (*add_multiplier)(void* context, const axevo_multiplier_record* record);
  void (*warn)(void* context, const char* message);
  void (*error)(void* context, const char* message);
} axevo_host;

/* A record with everything empty and every published figure unknown. */
static inline axevo_multiplier_record axevo_multiplier_record_empty(void) {
  axevo_multiplier_record r;
  r.name = NULL;
  r.source = NULL;
  r.family = NULL;
  r.params = NULL;
  r.table = NULL;
  r.function = NULL;
  r.netlist = NULL;
  r.power_mw = __builtin_nan("");
  r.area_um2 = __builtin_nan("");
  r.delay_ns = __builtin_nan("");
  return r;
}

typedef const axevo_plugin_info* (*axevo_plugin_get_info_fn)(void);
typedef int (*axevo_multiplier_library_load_fn)(const axevo_host* host, const char* arg);

#define AXEVO_PLUGIN_INFO_SYMBOL "axevo_plugin_get_info"
#define AXEVO_MULTIPLIER_LIBRARY_LOAD_SYMBOL "axevo_multiplier_library_load"

/* Defines axevo_plugin_get_info() for a plugin of the given kind and name. */
#define AXEVO_DECLARE_PLUGIN(KIND, NAME, DESCRIPTION)                                \
  AXEVO_EXPORT const axevo_plugin_info* axevo_plugin_get_info(void) {                  \
    static const axevo_plugin_info info = {AXEVO_PLUGIN_ABI_VERSION, (KIND), (NAME),   \
                                           (DESCRIPTION)};                             \
    return &info;                                                                      \
  }

AXEVO_EXPORT const axevo_plugin_info* axevo_plugin_get_info(void);
AXEVO_EXPORT int axevo_multiplier_library_load(const axevo_host* host, const char* arg);

#ifdef __cplusplus
}
#endif

#endif /* AXEVO_PLUGIN_ABI_H */
