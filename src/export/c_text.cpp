#include "export/c_text.hpp"

#include <cmath>
#include <cstdio>

#include "lenet5/error.hpp"

namespace lenet5::c_export {

const Tensor& tensor(const LayerInfo& layer, const std::string& name) {
  for (const Tensor& candidate : layer.tensors)
    if (candidate.name == name) return candidate;
  throw Error("layer " + layer.name + " has no tensor '" + name + "'");
}

std::string float_literal(float value) {
  if (!std::isfinite(value)) throw Error("the model holds a value that is not finite");
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", double(value));
  std::string literal = text;
  if (literal.find_first_of(".e") == std::string::npos) literal += ".0";
  return literal + "f";
}

std::string string_literal(const std::string& text) {
  std::string literal = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      literal += '\\';
      literal += char(c);
    } else if (c >= 0x20 && c < 0x7f && c != '?') {  // '?' too: no trigraphs
      literal += char(c);
    } else {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\%03o", c);
      literal += escape;
    }
  }
  return literal + "\"";
}

std::string dims_text(const std::vector<int>& dims) {
  std::string text;
  for (int extent : dims) {
    text += '[';
    text += std::to_string(extent);
    text += ']';
  }
  return text;
}

std::vector<int> map_dims(const Shape& shape) {
  if (shape.height == 1 && shape.width == 1) return {shape.channels};
  return {shape.channels, shape.height, shape.width};
}

// Strings are appended piece by piece here: GCC 12 warns falsely (-Wrestrict) about some "a" + b + "c".

namespace {

constexpr std::size_t kLineWidth = 110;

// The initializer of an array of `dims` in full braces, innermost rows wrapped to the line width.
void nested_values(std::string& out, const std::vector<int>& dims, std::size_t level, std::size_t& next,
                   const std::vector<std::string>& values, std::size_t column) {
  out += '{';
  if (level + 1 == dims.size()) {
    std::size_t used = column + 1;
    for (int i = 0; i < dims[level]; ++i) {
      const std::string& item = values[next++];
      if (i > 0) {
        out += ',';
        if (used + item.size() + 3 > kLineWidth) {
          out.append("\n").append(column + 1, ' ');
          used = column + 1;
        } else {
          out += ' ';
          used += 2;
        }
      }
      out += item;
      used += item.size();
    }
  } else {
    for (int i = 0; i < dims[level]; ++i) {
      if (i > 0) out.append(",\n").append(column + 1, ' ');
      nested_values(out, dims, level + 1, next, values, column + 1);
    }
  }
  out += '}';
}

}  // namespace

void write_array(std::string& out, const std::string& type, const std::string& name, const std::vector<int>& dims,
                 const std::vector<std::string>& values) {
  out += "static const " + type + " " + name + dims_text(dims) + " = {\n  ";
  std::size_t next = 0;
  if (dims.size() == 1) {
    std::string inner;
    nested_values(inner, dims, 0, next, values, 1);
    out += inner.substr(1, inner.size() - 2);  // the outer braces are the declaration's
  } else {
    for (int i = 0; i < dims[0]; ++i) {
      if (i > 0) out += ",\n  ";
      nested_values(out, dims, 1, next, values, 2);
    }
  }
  out += "\n};\n";
}

std::string integer_text(long long value) { return std::to_string(value); }

}  // namespace lenet5::c_export
