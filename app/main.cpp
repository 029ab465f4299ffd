// lenet5: the command-line tool over the lenet5 library. Each command lives in its own file and only parses
// options, calls the library and prints.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli.hpp"
#include "lenet5/error.hpp"

namespace {

constexpr const char* kUsage = R"(usage: lenet5 COMMAND [options]

LeNet-5 (LeCun, Bottou, Bengio, Haffner 1998) for handwritten digits.

commands:
  train     train a network on MNIST-format IDX files and save it
  eval      accuracy, confusion matrix and per-class precision/recall of a saved model
  predict   read the digit (or --number, the number) in photos, scans and drawings
  info      the layer table of a preset or a saved model: shapes, parameters, connections
  bench     inference speed of a saved model: batch throughput and single-image latency
  picture   draw a figure: filters, feature maps, mistakes, confusion, training curves, rejection, distortions
  export    write a trained model for other runtimes: ONNX, C for microcontrollers (float32, int8)

Run 'lenet5 COMMAND --help' for a command's options. Data: --data DIR, else $LENET5_DATA, else data/mnist
(scripts/fetch-mnist.sh downloads it).
)";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> arguments(argv + 1, argv + argc);
  if (arguments.empty() || arguments[0] == "--help" || arguments[0] == "-h" || arguments[0] == "help") {
    std::fputs(kUsage, stdout);
    return arguments.empty() ? 2 : 0;
  }
  if (arguments[0] == "--version") {
    std::puts("lenet5 0.1.0");
    return 0;
  }
  const std::string command = arguments[0];
  arguments.erase(arguments.begin());
  const cli::Command* found = nullptr;
  for (const cli::Command* candidate : {&cli::kTrain, &cli::kEval, &cli::kPredict, &cli::kInfo, &cli::kBench, &cli::kPicture, &cli::kExport})
    if (candidate->spec.name == command) found = candidate;
  if (!found) {
    std::fprintf(stderr, "lenet5: unknown command '%s' (run 'lenet5 --help')\n", command.c_str());
    return 2;
  }
  try {
    const cli::Args args(found->spec, arguments);
    if (args.help()) {
      std::fputs(cli::help_text(found->spec).c_str(), stdout);
      return 0;
    }
    return found->run(args);
  } catch (const cli::UsageError& error) {
    std::fprintf(stderr, "lenet5 %s: %s (run 'lenet5 %s --help')\n", command.c_str(), error.what(), command.c_str());
    return 2;
  } catch (const lenet5::Error& error) {
    std::fprintf(stderr, "lenet5 %s: error: %s\n", command.c_str(), error.what());
    return 1;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "lenet5 %s: unexpected error: %s\n", command.c_str(), error.what());
    return 1;
  }
}
