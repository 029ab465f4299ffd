// lenet5 picture: pictures that explain the network and its data.
#include <cstdio>

#include "cli.hpp"
#include "lenet5/dataset.hpp"
#include "lenet5/image_io.hpp"
#include "lenet5/pictures.hpp"

namespace cli {

namespace {

const CommandSpec kSpec{
    "picture",
    "lenet5 picture WHAT --out FILE.png [options]",
    "Draws a picture. WHAT is:\n"
    "  distortions   training digits (rows) with their random affine distortions, as --distortions trains on\n"
    "                them (the paper's Fig. 7; docs/distortions.md)",
    {{"out", "FILE", "the PNG to write"},
     data_option(),
     format_option(),
     transpose_option(),
     classes_option(),
     {"examples", "N", "rows: the first N training digits (default 10)"},
     {"per-example", "N", "distorted instances per row, 1-9 (default 9)"},
     {"seed", "N", "the training seed whose distortions to draw (default 1)"},
     {"scale", "N", "draw each pixel as an N x N block (default 3)"}},
    1, 1};

int run(const Args& args) {
  if (args.positionals()[0] != "distortions")
    throw UsageError("unknown picture '" + args.positionals()[0] + "' (known: distortions)");
  const auto out = args.get("out");
  if (!out) throw UsageError("--out FILE.png is required");
  const long examples = args.get_int("examples", 10, 1, 1000);
  const long per_example = args.get_int("per-example", 9, 1, 9);
  const long seed = args.get_int("seed", 1, 0, 9007199254740991L);
  const int scale = static_cast<int>(args.get_int("scale", 3, 1, 64));
  const lenet5::Dataset data = load_data(args, lenet5::Split::train);
  if (data.channels != 1) throw lenet5::Error("distortions are drawn for grey images; these have " + std::to_string(data.channels) + " channels");
  const auto grid = lenet5::distortion_grid(data, std::size_t(examples), int(per_example), std::uint64_t(seed));
  lenet5::write_png(lenet5::enlarge(grid, scale), *out);
  std::printf("wrote %s\n", out->c_str());
  return 0;
}

}  // namespace

const Command kPicture{kSpec, run};

}  // namespace cli
