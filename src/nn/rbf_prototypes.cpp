// The ten digit bitmaps of the RBF output layer (the paper's Fig. 3, drawn anew). Strokes are one pixel wide
// inside a 5 × 10 box, with a one-pixel margin all round. The shapes were chosen so that any two digits differ in
// at least 15 of the 84 pixels (tests/test_rbf_prototypes.cpp; docs/rbf-prototypes.md has the whole table): the
// further apart the codes, the further a wrong class's penalty sits from the right one's.
#include "nn/rbf_prototypes.hpp"

#include <cstddef>

namespace lenet5::nn {
namespace {

constexpr std::array<DigitBitmap, kPrototypeClasses> kDigitBitmaps = {{
    {{  // 0
        ".......",
        "..###..",
        ".#...#.",
        ".#...#.",
        ".#..##.",
        ".#.#.#.",
        ".#.#.#.",
        ".##..#.",
        ".#...#.",
        ".#...#.",
        "..###..",
        ".......",
    }},
    {{  // 1
        ".......",
        "...#...",
        "..##...",
        ".#.#...",
        "...#...",
        "...#...",
        "...#...",
        "...#...",
        "...#...",
        "...#...",
        ".#####.",
        ".......",
    }},
    {{  // 2
        ".......",
        "..###..",
        ".#...#.",
        ".....#.",
        ".....#.",
        ".....#.",
        "....#..",
        "...#...",
        "..#....",
        ".#.....",
        ".#####.",
        ".......",
    }},
    {{  // 3
        ".......",
        ".#####.",
        ".....#.",
        "....#..",
        "...#...",
        "..##...",
        "....#..",
        ".....#.",
        ".....#.",
        ".#...#.",
        "..###..",
        ".......",
    }},
    {{  // 4
        ".......",
        "....#..",
        "...##..",
        "..#.#..",
        "..#.#..",
        ".#..#..",
        ".#..#..",
        ".#####.",
        "....#..",
        "....#..",
        "....#..",
        ".......",
    }},
    {{  // 5
        ".......",
        ".#####.",
        ".#.....",
        ".#.....",
        ".####..",
        ".....#.",
        ".....#.",
        ".....#.",
        ".....#.",
        "....#..",
        ".###...",
        ".......",
    }},
    {{  // 6
        ".......",
        "....##.",
        "...#...",
        "..#....",
        ".#.....",
        ".####..",
        ".##..#.",
        ".#...#.",
        ".#...#.",
        ".#...#.",
        "..###..",
        ".......",
    }},
    {{  // 7
        ".......",
        ".#####.",
        ".....#.",
        ".....#.",
        "....#..",
        "....#..",
        "...#...",
        "...#...",
        "..#....",
        "..#....",
        "..#....",
        ".......",
    }},
    {{  // 8
        ".......",
        "...#...",
        "..#.#..",
        "..#.#..",
        "..#.#..",
        "...#...",
        "..#.#..",
        ".#...#.",
        ".#...#.",
        ".#...#.",
        "..###..",
        ".......",
    }},
    {{  // 9
        ".......",
        "..###..",
        ".#...#.",
        ".#...#.",
        ".#...#.",
        "..####.",
        "....#..",
        "....#..",
        "...#...",
        "...#...",
        "..#....",
        ".......",
    }},
}};

constexpr bool well_formed(const std::array<DigitBitmap, kPrototypeClasses>& bitmaps) {
  for (const DigitBitmap& bitmap : bitmaps)
    for (std::string_view row : bitmap) {
      if (row.size() != std::size_t(kPrototypeColumns)) return false;
      for (char pixel : row)
        if (pixel != '#' && pixel != '.') return false;
    }
  return true;
}
// Too many rows or digits fail to compile; too few leave empty rows, which fail here like a wrong width.
static_assert(well_formed(kDigitBitmaps), "each bitmap row must be 7 characters of '#' and '.'");

}  // namespace

const std::array<DigitBitmap, kPrototypeClasses>& digit_bitmaps() { return kDigitBitmaps; }

std::vector<float> rbf_prototypes() {
  std::vector<float> prototypes;
  prototypes.reserve(std::size_t(kPrototypeClasses) * kPrototypeSize);
  for (const DigitBitmap& bitmap : kDigitBitmaps)
    for (std::string_view row : bitmap)
      for (char pixel : row) prototypes.push_back(pixel == '#' ? 1.0f : -1.0f);
  return prototypes;
}

}  // namespace lenet5::nn
