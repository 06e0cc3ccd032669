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

/* ---- Model frontends ------------------------------------------------------------------
 * A model-frontend plugin (kind AXEVO_PLUGIN_MODEL_FRONTEND) reads a trained network file
 * and describes it to the host through the builder callbacks below.  It exports
 *
 *     const char* axevo_model_frontend_extensions(void);   e.g. ".onnx" (';'-separated)
 *     int axevo_model_frontend_load(const axevo_graph_builder* b, const char* path);
 *
 * and optionally, for single tensors stored in the frontend's own format,
 *
 *     int axevo_model_frontend_read_tensor(const axevo_graph_builder* b, const char* path);
 *
 * which reports the tensor with one add_initializer() call.  Values are named by strings;
 * an empty input name means an absent optional input.  Attribute calls apply to the node
 * added last.  Shapes are int64 dims; a dim of -1 in add_input() is dynamic (e.g. batch).
 * Data is contiguous, row-major, little-endian.  Every callback returns 0 when accepted
 * (non-zero: the host recorded why; the frontend should stop and return non-zero).  Like
 * the multiplier libraries, a frontend reports errors with error() and returns non-zero. */
enum {
  AXEVO_DTYPE_FLOAT32 = 1, /* the codes of ONNX's TensorProto.DataType */
  AXEVO_DTYPE_INT64 = 7
};

typedef struct axevo_graph_builder {
  uint32_t abi_version;
  void* context;
  void (*set_opset)(void* context, int64_t opset);
  int (*add_input)(void* context, const char* name, uint32_t dtype, const int64_t* shape, size_t rank);
  int (*add_output)(void* context, const char* name);
  int (*add_initializer)(void* context, const char* name, uint32_t dtype, const int64_t* shape, size_t rank,
                         const void* data);
  int (*add_node)(void* context, const char* op_type, const char* name, const char* const* inputs, size_t n_inputs,
                  const char* const* outputs, size_t n_outputs);
  int (*add_attr_int)(void* context, const char* name, int64_t value);
  int (*add_attr_float)(void* context, const char* name, float value);
  int (*add_attr_string)(void* context, const char* name, const char* value);
  int (*add_attr_ints)(void* context, const char* name, const int64_t* values, size_t n);
  int (*add_attr_floats)(void* context, const char* name, const float* values, size_t n);
  int (*add_attr_strings)(void* context, const char* name, const char* const* values, size_t n);
  int (*add_attr_tensor)(void* context, const char* name, uint32_t dtype, const int64_t* shape, size_t rank,
                         const void* data);
  /* An attribute of a kind the host has no representation for (graphs, sparse tensors):
   * recorded so that validation names it if the operator is otherwise supported. */
  int (*add_attr_unsupported)(void* context, const char* name, const char* kind);
  void (*warn)(void* context, const char* message);
  void (*error)(void* context, const char* message);
} axevo_graph_builder;

typedef const char* (*axevo_model_frontend_extensions_fn)(void);
typedef int (*axevo_model_frontend_load_fn)(const axevo_graph_builder* builder, const char* path);

#define AXEVO_MODEL_FRONTEND_EXTENSIONS_SYMBOL "axevo_model_frontend_extensions"
#define AXEVO_MODEL_FRONTEND_LOAD_SYMBOL "axevo_model_frontend_load"
#define AXEVO_MODEL_FRONTEND_READ_TENSOR_SYMBOL "axevo_model_frontend_read_tensor"

AXEVO_EXPORT const char* axevo_model_frontend_extensions(void);
AXEVO_EXPORT int axevo_model_frontend_load(const axevo_graph_builder* builder, const char* path);
AXEVO_EXPORT int axevo_model_frontend_read_tensor(const axevo_graph_builder* builder, const char* path);

/* ---- Datasets ---------------------------------------------------------------------------
 * A dataset plugin exports
 *
 *     int axevo_dataset_load(const axevo_dataset_sink* sink, const char* arg);
 *
 * `arg` is the text after "NAME:" in a dataset SPEC (e.g. "idx:/usr/share/datasets/fashion-mnist").
 * It reports each split it has ("train", "test") once with sink->add_split: `n` samples of
 * `sample_shape` (channels first, e.g. 1x28x28 or 3x32x32), stored contiguously in `data`,
 * and n labels (class indices 0..num_classes-1, or -1 for unlabeled data).  Sample encoding:
 * AXEVO_SAMPLES_UINT8_PIXELS: bytes 0..255 that the host reads as value/255 (images);
 * AXEVO_SAMPLES_FLOAT32: values used as they are.  Normalization (mean/std per channel)
 * is the host's business.  Errors go through sink->error ("FILE: problem"), then return != 0. */
enum {
  AXEVO_SAMPLES_FLOAT32 = 1,
  AXEVO_SAMPLES_UINT8_PIXELS = 2
};

typedef struct axevo_dataset_sink {
  uint32_t abi_version;
  void* context;
  int (*add_split)(void* context, const char* split, uint64_t n, const int64_t* sample_shape, size_t rank,
                   uint32_t encoding, const void* data, const int32_t* labels, uint32_t num_classes);
  void (*warn)(void* context, const char* message);
  void (*error)(void* context, const char* message);
} axevo_dataset_sink;

typedef int (*axevo_dataset_load_fn)(const axevo_dataset_sink* sink, const char* arg);
#define AXEVO_DATASET_LOAD_SYMBOL "axevo_dataset_load"
AXEVO_EXPORT int axevo_dataset_load(const axevo_dataset_sink* sink, const char* arg);

#ifdef __cplusplus
}
#endif

#endif /* AXEVO_PLUGIN_ABI_H */
