#pragma once
// The public API of the lenet5 library.
#include "lenet5/classifier.hpp"
#include "lenet5/dataset.hpp"
#include "lenet5/error.hpp"
#include "lenet5/evaluate.hpp"
#include "lenet5/image.hpp"
#include "lenet5/layer_info.hpp"
#include "lenet5/model.hpp"
#include "lenet5/network_spec.hpp"
#include "lenet5/pictures.hpp"
#include "lenet5/train.hpp"
