// lenet5 export: a trained model in a form other runtimes read (docs/export.md).
#include <cstdio>
#include <string>

#include "cli.hpp"
#include "lenet5/classifier.hpp"
#include "lenet5/export.hpp"
#include "lenet5/model.hpp"

namespace cli {

namespace {

// A format: its name, what it writes (for --help), and how (after the model is loaded; --out is `out`).
struct Format {
  const char* name;
  const char* summary;
  void (*write)(const Args& args, const lenet5::Classifier& classifier, const std::string& out);
};

const Format kFormats[] = {
    {"onnx", "an ONNX file (opset 13) for ONNX Runtime, OpenCV's dnn module and other runtimes: input\n"
             "           'image' [N,C,H,W] (N,1,32,32 for digits), pixels in [0,1], 0 = background; output\n"
             "           'scores' [N,classes], the highest wins, and 'penalties' for the classic preset",
     [](const Args&, const lenet5::Classifier& classifier, const std::string& out) { lenet5::export_onnx(classifier, out); }},
};

std::string formats_text() {
  std::string text;
  for (const Format& format : kFormats) {
    std::string name = format.name;
    name.resize(9, ' ');
    text += "\n  " + name + format.summary;
  }
  return text;
}

const CommandSpec kSpec{
    "export",
    "lenet5 export FORMAT [--model M] --out PATH",
    "Writes a trained model in a form that runs without this tool (docs/export.md). The caller prepares\n"
    "each picture as 'predict' does (docs/real-input.md) and centres it on the network's input. FORMAT is:" +
        formats_text(),
    {model_option(), {"out", "PATH", "where to write the export"}},
    1, 1};

int run(const Args& args) {
  const std::string& name = args.positionals()[0];
  const Format* format = nullptr;
  std::string known;
  for (const Format& candidate : kFormats) {
    if (candidate.name == name) format = &candidate;
    known += (known.empty() ? "" : ", ") + std::string(candidate.name);
  }
  if (!format) throw UsageError("unknown format '" + name + "' (known: " + known + ")");
  const auto out = args.get("out");
  if (!out) throw UsageError("--out PATH is required");
  const lenet5::Classifier classifier(lenet5::load_model(model_path(args)));
  format->write(args, classifier, *out);
  std::printf("wrote %s\n", out->c_str());
  return 0;
}

}  // namespace

const Command kExport{kSpec, run};

}  // namespace cli
