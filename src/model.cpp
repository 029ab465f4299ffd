#include "lenet5/model.hpp"

#include "nn/network.hpp"

namespace lenet5 {

Shape default_image_shape(const NetworkSpec& spec) {
  const int border = spec.input.height >= 32 && spec.input.width >= 32 ? 4 : 0;  // §II-B: 28×28 on 32×32
  return {spec.input.channels, spec.input.height - border, spec.input.width - border};
}

Model initialize_model(const NetworkSpec& spec, std::uint64_t seed) {
  const nn::Network<float> network(spec);
  Model model;
  model.spec = spec;
  model.parameters.resize(network.parameter_count());
  model.image_shape = default_image_shape(spec);
  Rng rng(seed);
  network.initialize(model.parameters, rng);
  return model;
}

}  // namespace lenet5
