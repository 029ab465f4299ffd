#include "lenet5/model.hpp"

#include "nn/network.hpp"

namespace lenet5 {

Model initialize_model(const NetworkSpec& spec, std::uint64_t seed) {
  const nn::Network<float> network(spec);
  Model model{spec, std::vector<float>(network.parameter_count())};
  Rng rng(seed);
  network.initialize(model.parameters, rng);
  return model;
}

}  // namespace lenet5
