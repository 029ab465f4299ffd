// The network description: its text form round-trips, and hostile descriptions are errors, not overflows.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lenet5/network_spec.hpp"
#include "test_util.hpp"

namespace lenet5 {
namespace {

using ::testing::HasSubstr;
using testing_util::error_from;

TEST(NetworkSpec, PresetsRoundTripThroughText) {
  for (const auto& name : preset_names()) EXPECT_EQ(parse_network_spec(to_text(preset(name))), preset(name)) << name;
}

TEST(NetworkSpec, UnknownPresetListsTheKnownOnes) {
  EXPECT_THAT(error_from([] { preset("lenet7"); }), HasSubstr("known: modern, classic"));
}

// Found by fuzz/fuzz_network_spec: sizes that overflow int must be rejected before anything multiplies them.
TEST(NetworkSpec, HugeShapesAreRejectedNotOverflowed) {
  EXPECT_THAT(error_from([] { parse_network_spec("lenet5-network 1\ninput 1 2147483647 5\nloss softmax_cross_entropy"); }),
              HasSubstr("input shape is invalid"));
  EXPECT_THAT(error_from([] {
                parse_network_spec(
                    "lenet5-network 1\npreset x\ninput 1 2048 2048\nconv C1 out=4096 kernel=1\ndense F out=2\n"
                    "loss softmax_cross_entropy");
              }),
              HasSubstr("C1: output is too large"));
  EXPECT_THAT(error_from([] {
                parse_network_spec("lenet5-network 1\npreset x\ninput 64 256 256\ndense F out=65536\n"
                                   "loss softmax_cross_entropy");
              }),
              HasSubstr("F: has too many parameters"));
}

TEST(NetworkSpec, MalformedLinesSayWhere) {
  EXPECT_THAT(error_from([] { parse_network_spec("lenet5-network 1\npreset x\ninput 1 32\n"); }),
              HasSubstr("line 3: 'input' takes 3 values"));
  EXPECT_THAT(error_from([] { parse_network_spec("lenet5-network 1\npreset x\nconv C1 out=6 size=5\n"); }),
              HasSubstr("line 3: unknown field 'size'"));
  EXPECT_THAT(error_from([] { parse_network_spec("lenet5-network 2\n"); }), HasSubstr("must start with"));
  EXPECT_THAT(error_from([] { parse_network_spec("lenet5-network 1\npreset x\ninput 1 32 32\ndense F out=10\n"); }),
              HasSubstr("no loss line"));
  EXPECT_THAT(
      error_from([] { parse_network_spec("lenet5-network 1\npreset x\ninput 1 32 32\ndense F out=10\nloss map\n"); }),
      HasSubstr("needs an RBF output layer"));
}

}  // namespace
}  // namespace lenet5
