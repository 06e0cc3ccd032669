// axevo: approximate multipliers in quantized DNNs.  Subcommand dispatch and error
// reporting; each subcommand lives in its own file.
#include <cstring>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <iostream>

#include "axevo/error.hpp"
#include "cli.hpp"

namespace {

const char* kHelp = R"(axevo )" AXEVO_VERSION R"( - approximate multipliers in 8-bit DNNs

Usage: axevo <command> [options]      (axevo <command> --help for details)

Commands:
  search          multi-objective search of per-layer multipliers (NSGA-II): Pareto front
                  of accuracy vs energy to CSV and SVG
  sensitivity     accuracy drop of each layer approximated alone, per multiplier
  eval            accuracy of a multiplier assignment, beside float and exact 8-bit
  info            the approximable layers of a model: shapes, MACs, parameters
  mult list       table of multipliers: error metrics, power, area, delay, cost model
  mult show       one multiplier in detail, with an error heat map (PNG or SVG)
  mult import     convert a library (tables, netlists, C models) into a table folder
  mult export     write one multiplier as .bin, .h, .csv or Verilog
  plugins         list the plugins found and where

Multiplier libraries are given as SPECs: builtin, lut:PATH, verilog:PATH, cmodel:PATH
or a plugin file. Examples:
  axevo mult list --library builtin --library lut:../shared/evoapprox
  axevo search configs/lenet5-search.yaml --out results/lenet5
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
    std::cout << kHelp;
    return argc < 2 ? 2 : 0;
  }
  if (!std::strcmp(argv[1], "--version")) {
    std::cout << "axevo " AXEVO_VERSION "\n";
    return 0;
  }
#if defined(__GLIBC__)
  // A batch's tensors are tens of MB each and are freed and allocated again for every layer
  // of every run: keep freed memory in the heap (up to 1 GB untrimmed) instead of returning it
  // to the kernel, which would zero-fill it again on the next page faults (12% of the time of
  // an emulated ResNet-8 run).  One arena for all threads: the search's worker threads would
  // otherwise each get arenas of 64 MB heaps, which glibc unmaps when they empty whatever
  // the trim threshold, and the page faults and kernel zero-filling that followed took about
  // a quarter of a ResNet-8 campaign's time (perf); the threads allocate seldom (whole tensors),
  // so sharing one arena's lock costs nothing measurable.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_ARENA_MAX, 1);
#endif
  const std::string command = argv[1];
  try {
    if (command == "mult") return axevo::cli::cmd_mult(argc - 1, argv + 1);
    if (command == "search") return axevo::cli::cmd_search(argc - 1, argv + 1);
    if (command == "sensitivity") return axevo::cli::cmd_sensitivity(argc - 1, argv + 1);
    if (command == "eval") return axevo::cli::cmd_eval(argc - 1, argv + 1);
    if (command == "info") return axevo::cli::cmd_info(argc - 1, argv + 1);
    if (command == "plugins") return axevo::cli::cmd_plugins(argc - 1, argv + 1);
    throw axevo::cli::UsageError("unknown command '" + command + "'");
  } catch (const axevo::cli::UsageError& e) {
    std::cerr << "axevo: " << e.what() << "\n(see 'axevo --help')\n";
    return 2;
  } catch (const axevo::Error& e) {
    std::cerr << "axevo: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "axevo: internal error: " << e.what() << "\n";
    return 3;
  }
}
