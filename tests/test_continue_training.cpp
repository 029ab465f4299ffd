// Training from a good start: a run resumed from its checkpoint ends bit-identical to one never stopped,
// the checkpoint file refuses damage and other data, and a trained model adapts to data of other classes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "core/thread_pool.hpp"
#include "lenet5/dataset.hpp"
#include "lenet5/model.hpp"
#include "lenet5/train.hpp"
#include "nn/network.hpp"
#include "test_util.hpp"

namespace lenet5 {
namespace {

using ::testing::HasSubstr;
using testing_util::error_from;
namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

// `count` 28×28 images of `classes` classes: class k a bright 6×6 block at its own place, jittered, over
// faint noise.
Dataset blocks(std::size_t count, int classes, unsigned seed) {
  Dataset data;
  data.count = count;
  data.rows = data.cols = 28;
  data.images.resize(count * 28 * 28);
  data.classes.clear();
  for (int k = 0; k < classes; ++k) data.classes.push_back(std::to_string(k));
  std::mt19937 random(seed);
  for (std::size_t i = 0; i < count; ++i) {
    const int label = int(random() % unsigned(classes));
    data.labels.push_back(std::uint8_t(label));
    std::uint8_t* image = data.images.data() + i * 28 * 28;
    for (int p = 0; p < 28 * 28; ++p) image[p] = std::uint8_t(random() % 30);
    const int left = 2 + (label % 4) * 6 + int(random() % 3), top = 2 + (label / 4) * 8 + int(random() % 3);
    for (int y = top; y < top + 6; ++y)
      for (int x = left; x < left + 6; ++x) image[y * 28 + x] = std::uint8_t(200 + random() % 50);
  }
  return data;
}

Model new_model(const Dataset& data, std::uint64_t seed) {
  Model model = initialize_model(fit_to_data(modern_preset(), data.channels, int(data.classes.size())), seed);
  model.classes = data.classes;
  return model;
}

Bytes read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const fs::path& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

class ContinueTraining : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = fs::temp_directory_path() /
              ("lenet5-continue-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(folder_);
    fs::create_directories(folder_);
  }
  void TearDown() override { fs::remove_all(folder_); }

  fs::path folder_;
};

struct Interrupted {};

// A run of `options` on `data` stopped after epoch `stop`: its checkpoint, as the file on disk holds it.
TrainCheckpoint run_interrupted(const Dataset& data, const Dataset& held_out, TrainOptions options, int stop) {
  Model model = new_model(data, options.seed);
  TrainCallbacks callbacks;
  callbacks.on_epoch = [&](const EpochReport& report) {
    if (report.epoch == stop) throw Interrupted{};
  };
  EXPECT_THROW(train(model, data, &held_out, options, callbacks), Interrupted);
  return load_checkpoint(options.checkpoint_path);
}

class ResumedRun : public ContinueTraining,
                   public ::testing::WithParamInterface<std::tuple<OptimizerKind, bool, Schedule>> {};

// Every optimizer, with and without distortions, under the schedules that depend on the step (cosine) and on
// the epoch (step): stopped after epoch 1 or 2 of 3 and resumed, the run ends with the same bits, and
// reports the same epochs, as the run never stopped.
TEST_P(ResumedRun, EndsBitIdenticalToTheRunNeverStopped) {
  const auto [optimizer, distortions, schedule] = GetParam();
  const Dataset data = blocks(100, 8, 1), held_out = blocks(40, 8, 2);
  TrainOptions options;
  options.epochs = 3;
  options.batch = 16;  // 7 batches, the last one short
  options.optimizer = optimizer;
  options.learning_rate = default_learning_rate(optimizer);
  options.schedule = schedule;
  options.step_epochs = 1;
  options.distortions = distortions;
  options.curvature_samples = 20;
  options.seed = 5;
  options.threads = 2;

  Model uninterrupted = new_model(data, options.seed);
  std::vector<EpochReport> reports;
  TrainCallbacks record;
  record.on_epoch = [&](const EpochReport& report) { reports.push_back(report); };
  train(uninterrupted, data, &held_out, options, record);
  for (const int stop : {1, 2}) {
    SCOPED_TRACE("stopped after epoch " + std::to_string(stop));
    options.checkpoint_path = (folder_ / "run.checkpoint").string();
    const TrainCheckpoint checkpoint = run_interrupted(data, held_out, options, stop);
    ASSERT_EQ(checkpoint.epochs_done, stop);
    const std::size_t reports_before = reports.size();
    const Model resumed = resume_training(checkpoint, data, &held_out, record);
    EXPECT_EQ(serialize_model(resumed), serialize_model(uninterrupted));
    const std::vector<EpochReport> resumed_reports(reports.begin() + std::ptrdiff_t(reports_before), reports.end());
    reports.resize(reports_before);
    ASSERT_EQ(resumed_reports.size(), std::size_t(3 - stop));
    for (const EpochReport& report : resumed_reports) {
      EXPECT_EQ(report.train_loss, reports[report.epoch - 1].train_loss) << "epoch " << report.epoch;
      EXPECT_EQ(report.learning_rate, reports[report.epoch - 1].learning_rate) << "epoch " << report.epoch;
    }
    // The resumed run went on writing its checkpoint: after the last epoch it holds the final model, and
    // resuming from it trains no more.
    const TrainCheckpoint last = load_checkpoint(options.checkpoint_path);
    EXPECT_EQ(last.epochs_done, 3);
    EXPECT_EQ(serialize_model(resume_training(last, data, &held_out, record)), serialize_model(uninterrupted));
    EXPECT_EQ(reports.size(), reports_before);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Optimizers, ResumedRun,
    ::testing::Values(std::tuple{OptimizerKind::adam, false, Schedule::cosine},
                      std::tuple{OptimizerKind::adam, true, Schedule::cosine},
                      std::tuple{OptimizerKind::sgd, false, Schedule::cosine},
                      std::tuple{OptimizerKind::sgd, true, Schedule::step},
                      std::tuple{OptimizerKind::sdlm, false, Schedule::step}),
    [](const auto& test) {
      return to_string(std::get<0>(test.param)) + (std::get<1>(test.param) ? "Distorted" : "") + "_" +
             to_string(std::get<2>(test.param));
    });

// The checkpoint holds what the run was: its options (the thread count it ran on rather than "all cores"),
// where it stands, the optimizer's state and the data's fingerprint.
TEST_F(ContinueTraining, TheCheckpointRecordsTheRun) {
  const Dataset data = blocks(50, 3, 3), held_out = blocks(10, 3, 4);
  TrainOptions options;
  options.epochs = 4;
  options.batch = 10;
  options.threads = 0;
  options.learning_rate = 0.25f / 3.0f;  // no short decimal
  options.seed = 9007199254740993ull;
  options.data_source = {"--data", "/a folder/with\nline feed\\", "--limit", "50"};
  options.checkpoint_path = (folder_ / "run.checkpoint").string();
  const TrainCheckpoint checkpoint = run_interrupted(data, held_out, options, 2);
  TrainOptions expected = options;
  expected.threads = ThreadPool(0).size();
  EXPECT_EQ(checkpoint.options, expected);
  EXPECT_EQ(checkpoint.epochs_done, 2);
  EXPECT_EQ(checkpoint.optimizer.steps, 10u);  // 5 batches an epoch
  EXPECT_EQ(checkpoint.optimizer.buffers.size(), 2 * checkpoint.model.parameters.size());  // Adam's moments
  EXPECT_EQ(checkpoint.data, fingerprint(data));
  EXPECT_EQ(checkpoint.model.classes, data.classes);
  TrainCheckpoint with_pairs = checkpoint;
  with_pairs.options.touching_pairs = 0.35f;
  save_checkpoint(with_pairs, options.checkpoint_path);
  EXPECT_EQ(load_checkpoint(options.checkpoint_path).options, with_pairs.options);
}

TEST_F(ContinueTraining, ResumingRefusesOtherData) {
  const Dataset data = blocks(60, 4, 5), held_out = blocks(10, 4, 6);
  TrainOptions options;
  options.epochs = 2;
  options.threads = 1;
  options.checkpoint_path = (folder_ / "run.checkpoint").string();
  const TrainCheckpoint checkpoint = run_interrupted(data, held_out, options, 1);
  const auto resume_on = [&](const Dataset& other) {
    return error_from([&] { resume_training(checkpoint, other, &held_out); });
  };
  EXPECT_THAT(resume_on(data.head(59)),
              HasSubstr("it trained on 60 images of 1x28x28 in 4 classes, these are 59 images"));
  Dataset changed = data;
  changed.images[1000] ^= 1;
  EXPECT_THAT(resume_on(changed), HasSubstr("as many images of the same shape, but other images"));
  changed = data;
  changed.labels[7] = std::uint8_t((changed.labels[7] + 1) % 4);
  EXPECT_THAT(resume_on(changed), HasSubstr("but other labels"));
  changed = data;
  changed.classes[3] = "three";
  EXPECT_THAT(resume_on(changed), HasSubstr("but other class names"));
}

TEST_F(ContinueTraining, DamagedCheckpointsAreRefusedSayingWhy) {
  const Dataset data = blocks(40, 3, 7), held_out = blocks(10, 3, 8);
  TrainOptions options;
  options.epochs = 2;
  options.optimizer = OptimizerKind::sgd;
  options.threads = 1;
  options.checkpoint_path = (folder_ / "run.checkpoint").string();
  const TrainCheckpoint checkpoint = run_interrupted(data, held_out, options, 1);
  const Bytes good = read_bytes(options.checkpoint_path);
  const std::string path = (folder_ / "damaged.checkpoint").string();
  const auto load = [&](const Bytes& bytes) {
    write_bytes(path, bytes);
    return error_from([&] { load_checkpoint(path); });
  };
  EXPECT_EQ(load(good), "(no lenet5::Error thrown)");
  Bytes flipped = good;
  flipped[good.size() / 2] ^= 0x10;
  EXPECT_THAT(load(flipped), HasSubstr(path + ": checksum mismatch"));
  for (const std::size_t length : {std::size_t{0}, std::size_t{5}, std::size_t{20}, std::size_t{400}, good.size() - 1})
    EXPECT_THAT(load(Bytes(good.begin(), good.begin() + std::ptrdiff_t(length))), HasSubstr(path + ": truncated"))
        << length << " bytes";
  Bytes longer = good;
  longer.push_back(0);
  EXPECT_THAT(load(longer), HasSubstr("1 trailing bytes after the checksum"));
  Bytes version = good;
  version[8] = 9;
  EXPECT_THAT(load(version), HasSubstr("checkpoint format version 9 is not supported"));
  EXPECT_THAT(load(serialize_model(checkpoint.model)), HasSubstr("a model file, not a training checkpoint"));
  // Version 1, before touching pairs: the same without that line, read as none.
  {
    const std::string text(good.begin(), good.end()), line = "touching_pairs 0\n";
    const std::size_t at = text.find(line);
    ASSERT_NE(at, std::string::npos);
    Bytes old(good.begin(), good.begin() + std::ptrdiff_t(at));
    old.insert(old.end(), good.begin() + std::ptrdiff_t(at + line.size()), good.end() - 4);
    old[8] = 1;
    const std::uint32_t run_bytes = old[12] | old[13] << 8 | old[14] << 16 | std::uint32_t(old[15]) << 24;
    for (std::size_t i = 0; i < 4; ++i) old[12 + i] = static_cast<std::uint8_t>((run_bytes - line.size()) >> (8 * i));
    const auto sealed = [](Bytes bytes) {
      const auto crc = static_cast<std::uint32_t>(crc32(0, bytes.data(), static_cast<uInt>(bytes.size())));
      for (std::size_t i = 0; i < 4; ++i) bytes.push_back(static_cast<std::uint8_t>(crc >> (8 * i)));
      return bytes;
    };
    write_bytes(path, good);
    const TrainOptions saved = load_checkpoint(path).options;
    EXPECT_EQ(load(sealed(old)), "(no lenet5::Error thrown)");
    EXPECT_EQ(load_checkpoint(path).options, saved);
    old[8] = 2;
    EXPECT_THAT(load(sealed(old)), HasSubstr("line 12 should be 'touching_pairs …'"));
  }
  EXPECT_THAT(load(Bytes{'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '\n'}),
              HasSubstr("not a lenet5 training checkpoint"));
  EXPECT_THAT(error_from([&] { load_model(options.checkpoint_path); }), HasSubstr("not a lenet5 model file"));

  // The run description edited in place, its checksum made right again: each line is checked.
  const auto edited = [&](const std::string& from, const std::string& to) {
    const std::string text(good.begin(), good.end());
    const std::size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    Bytes bytes = good;
    std::copy(to.begin(), to.end(), bytes.begin() + std::ptrdiff_t(at));
    const auto crc = static_cast<std::uint32_t>(crc32(0, bytes.data(), static_cast<uInt>(bytes.size() - 4)));
    for (std::size_t i = 0; i < 4; ++i) bytes[bytes.size() - 4 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
    return bytes;
  };
  EXPECT_EQ(load(edited("batch 64", "batch 64")), "(no lenet5::Error thrown)");
  EXPECT_THAT(load(edited("optimizer sgd", "optimizer xyz")),
              HasSubstr(path + ": the run description: unknown optimizer 'xyz'"));
  EXPECT_THAT(load(edited("batch 64", "batch 6x")), HasSubstr("batch '6x' is not a number"));
  EXPECT_THAT(load(edited("learning_rate 0.003", "learning_rate nan()")),
              HasSubstr("learning_rate is nan(), not a finite number"));
  EXPECT_THAT(load(edited("epochs_done 1", "epochs_done 3")), HasSubstr("epoch 3 of 2 is not a run's epoch"));
  EXPECT_THAT(load(edited("\nepochs 2\n", "\nepochz 2\n")),
              HasSubstr("line 2 should be 'epochs …', it is 'epochz 2'"));

  // A checkpoint that cannot be resumed is not written.
  TrainCheckpoint wrong = checkpoint;
  wrong.optimizer.buffers.pop_back();
  EXPECT_THAT(error_from([&] { save_checkpoint(wrong, path); }),
              HasSubstr("cannot save a checkpoint: the optimizer's state has"));
  wrong = checkpoint;
  wrong.epochs_done = 3;
  EXPECT_THAT(error_from([&] { save_checkpoint(wrong, path); }), HasSubstr("cannot save a checkpoint"));
}

// The model's network, scaling and weights are kept; its output layer is replaced only when the classes
// differ, by the one a new model of the same seed would have.
TEST_F(ContinueTraining, AModelAdaptsToTheClassesOfNewData) {
  const Dataset digits = blocks(30, 10, 9);
  Model trained = new_model(digits, 3);
  trained.spec.scaling = {InputScaling{-0.3f, 2.5f}};
  trained.classes.clear();  // a model file of format 1 or 2: "0" to "9"
  trained.preparation = InputPreparation::digit;

  Model same = trained;
  Dataset smaller = blocks(5, 10, 10);
  smaller.rows = smaller.cols = 20;
  smaller.images.resize(5 * 20 * 20);
  smaller.name = "small digits";
  EXPECT_FALSE(adapt_to_data(same, smaller, 1));
  EXPECT_EQ(same.spec, trained.spec);
  EXPECT_EQ(same.parameters, trained.parameters);
  EXPECT_EQ(same.classes, digit_class_names());
  EXPECT_EQ(same.dataset, "small digits");
  EXPECT_EQ(same.image_shape, (Shape{1, 20, 20}));

  const Dataset five = blocks(20, 5, 11);
  Model adapted = trained;
  EXPECT_TRUE(adapt_to_data(adapted, five, 4));
  EXPECT_EQ(class_count(adapted.spec), 5);
  EXPECT_EQ(adapted.spec.scaling, trained.spec.scaling);
  EXPECT_EQ(adapted.preparation, InputPreparation::digit);
  EXPECT_EQ(adapted.classes, five.classes);
  const Model fresh = initialize_model(adapted.spec, 4);
  const std::size_t output = nn::network_for(adapted).parameter_offset(adapted.spec.layers.size() - 1);
  EXPECT_EQ(std::vector<float>(adapted.parameters.begin(), adapted.parameters.begin() + std::ptrdiff_t(output)),
            std::vector<float>(trained.parameters.begin(), trained.parameters.begin() + std::ptrdiff_t(output)));
  EXPECT_EQ(std::vector<float>(adapted.parameters.begin() + std::ptrdiff_t(output), adapted.parameters.end()),
            std::vector<float>(fresh.parameters.begin() + std::ptrdiff_t(output), fresh.parameters.end()));

  Dataset renamed = digits;  // ten classes, but not these ten
  renamed.classes[0] = "zero";
  Model relabelled = trained;
  EXPECT_TRUE(adapt_to_data(relabelled, renamed, 4));
  EXPECT_NE(relabelled.parameters, trained.parameters);
  EXPECT_EQ(relabelled.classes, renamed.classes);

  Dataset colour = blocks(4, 10, 12);
  colour.channels = 3;
  colour.images.resize(4 * 3 * 28 * 28);
  EXPECT_THAT(error_from([&] { adapt_to_data(same, colour, 1); }),
              HasSubstr("the images are colour (RGB) but the network reads grey"));
  Dataset large = blocks(2, 10, 13);
  large.rows = large.cols = 40;
  large.images.resize(2 * 40 * 40);
  EXPECT_THAT(error_from([&] { adapt_to_data(same, large, 1); }),
              HasSubstr("image is 40x40; this network takes up to 32x32"));
  Model classic = initialize_model(classic_preset(), 1);
  EXPECT_THAT(error_from([&] { adapt_to_data(classic, five, 1); }), HasSubstr("RBF output has fixed prototypes"));
}

}  // namespace
}  // namespace lenet5
