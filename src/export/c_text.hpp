#pragma once
// Writing C source text for the C export: literals that read back exactly, arrays in full braces.
#include <string>
#include <vector>

#include "lenet5/layer_info.hpp"

namespace lenet5::c_export {

// The tensor of a layer by its name (lenet5/layer_info.hpp); throws lenet5::Error when it has none.
const Tensor& tensor(const LayerInfo& layer, const std::string& name);

// A float as a C literal that reads back as the same float; throws lenet5::Error for one not finite.
std::string float_literal(float value);
std::string integer_text(long long value);
// `text` as a C string literal: printable ASCII as it is, every other byte (UTF-8 included) in octal.
std::string string_literal(const std::string& text);

// "[6][14][14]"
std::string dims_text(const std::vector<int>& dims);
// A layer's maps as a C array's dimensions: [C][H][W], or [C] when the maps are single values.
std::vector<int> map_dims(const Shape& shape);

// Appends `static const TYPE NAME[d0][d1]… = {…};`, the values in full braces, rows wrapped to 110 columns.
void write_array(std::string& out, const std::string& type, const std::string& name, const std::vector<int>& dims,
                 const std::vector<std::string>& values);

// Each of `values` as text.
template <class Values, class Format>
std::vector<std::string> texts(const Values& values, Format format) {
  std::vector<std::string> result;
  result.reserve(values.size());
  for (const auto& value : values) result.push_back(format(value));
  return result;
}

}  // namespace lenet5::c_export
