// Image folders in torchvision's ImageFolder layout: DIR/train/<class>/<image> and DIR/test/<class>/<image>,
// each class named by its folder. People's images differ in channels and size; a split is one tensor, so:
//
// - Which files: PNG, JPEG, BMP, PGM/PPM/PNM and WebP by extension (any case); the decoder then goes by
//   content. Hidden files and folders (".name") are left out silently; other files are skipped and counted
//   in one notice. Subfolders of a class folder are searched too (as ImageFolder does), except symbolic
//   links to folders, which could loop. An image directly in the split folder has no class: an error
//   rather than a silent loss.
// - Classes: the class folders sorted by name (byte order); an empty one is an error, as is none at all.
// - Order: the classes interleaved in proportion to their sizes (each class's images in name order), so
//   that the first or last N images hold every class in its share: --limit and --validation (the last N
//   held out) would otherwise take whole classes.
// - Channels: alpha is composited onto black (the background every format reads as 0); an RGB image whose
//   channels are equal everywhere counts as grey. The split is colour (R, G, B) when any image is colour,
//   and then grey images are replicated into the three channels; else it is grey.
// - Size: an image larger than 32×32, LeNet-5's input field, is first shrunk to fit it (area averaging,
//   aspect ratio kept). The split's size is then its most common image size (ties: the larger area, then
//   the narrower); every image of another size is scaled (aspect kept) to fit it and centred on black.
//   Each split has its own size: the network checks that the test split's fits.
// - Bytes are kept as the files have them (no inversion).
// Every rule that changes an image says so once through DataOptions::on_notice, with its count.
// Any file that cannot be read or decoded aborts the whole load with the decoder's error, which names it.
#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <exception>
#include <filesystem>
#include <map>
#include <mutex>
#include <numeric>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/thread_pool.hpp"
#include "data/letterbox.hpp"
#include "data/raw_split.hpp"
#include "lenet5/error.hpp"
#include "lenet5/image_io.hpp"

namespace lenet5 {
namespace {

namespace fs = std::filesystem;

constexpr auto kProgressInterval = std::chrono::milliseconds(100);  // a progress bar's pace, not a flood

bool is_hidden(const fs::path& path) { return path.filename().string().starts_with('.'); }

bool has_image_extension(const fs::path& path) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* known : {".png", ".jpg", ".jpeg", ".bmp", ".pgm", ".ppm", ".pnm", ".webp"})
    if (extension == known) return true;
  return false;
}

// The entries of `dir` sorted by name in byte order, so that classes and images come in a fixed order.
std::vector<fs::directory_entry> sorted_entries(const fs::path& dir) {
  std::vector<fs::directory_entry> entries;
  std::error_code error;
  for (fs::directory_iterator entry(dir, error), end; !error && entry != end; entry.increment(error))
    entries.push_back(*entry);
  if (error) throw Error(dir.string() + ": cannot list the folder: " + error.message());
  std::sort(entries.begin(), entries.end(), [](const fs::directory_entry& a, const fs::directory_entry& b) {
    return a.path().filename().string() < b.path().filename().string();
  });
  return entries;
}

// A split's image files, class by class.
struct Listing {
  std::vector<std::string> paths;
  std::vector<std::uint8_t> codes;  // each image's class: its folder's place among the sorted class folders
  std::map<int, std::string> names;
  std::size_t skipped = 0;  // files that are not images by their extension
  fs::path first_skipped;
};

void skip(Listing& listing, const fs::path& path) {
  if (listing.skipped++ == 0) listing.first_skipped = path;
}

void list_class_images(const fs::path& dir, std::uint8_t code, Listing& listing) {
  for (const fs::directory_entry& entry : sorted_entries(dir)) {
    if (is_hidden(entry.path())) continue;
    std::error_code error;
    if (entry.is_directory(error)) {
      if (entry.is_symlink(error))
        skip(listing, entry.path());
      else
        list_class_images(entry.path(), code, listing);
    } else if (has_image_extension(entry.path())) {
      listing.paths.push_back(entry.path().string());
      listing.codes.push_back(code);
    } else {
      skip(listing, entry.path());
    }
  }
}

// Reorders the listing (grouped by class) so that image j of a class of n images comes at (j + ½) / n of
// the way through; ties in class order. Compared exactly: (2j + 1)·n' against (2j' + 1)·n.
void interleave_classes(Listing& listing) {
  std::vector<std::size_t> class_sizes(kMaxClasses, 0);
  for (const std::uint8_t code : listing.codes) ++class_sizes[code];
  std::vector<std::size_t> place_in_class(listing.codes.size(), 0);
  for (std::size_t i = 1; i < listing.codes.size(); ++i)
    if (listing.codes[i] == listing.codes[i - 1]) place_in_class[i] = place_in_class[i - 1] + 1;
  std::vector<std::size_t> order(listing.codes.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  // Ties by listing place, which is class order. (std::sort with that total order rather than stable_sort:
  // GCC 12's stable_sort buffer trips AddressSanitizer's alloc-dealloc check.)
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const std::size_t left = (2 * place_in_class[a] + 1) * class_sizes[listing.codes[b]];
    const std::size_t right = (2 * place_in_class[b] + 1) * class_sizes[listing.codes[a]];
    return left != right ? left < right : a < b;
  });
  std::vector<std::string> paths;
  std::vector<std::uint8_t> codes;
  for (const std::size_t i : order) {
    paths.push_back(std::move(listing.paths[i]));
    codes.push_back(listing.codes[i]);
  }
  listing.paths = std::move(paths);
  listing.codes = std::move(codes);
}

Listing list_split(const fs::path& split_dir) {
  std::error_code error;
  if (!fs::is_directory(split_dir, error)) throw DataNotFound(split_dir.string() + ": no such folder");
  Listing listing;
  std::vector<fs::path> class_dirs;
  for (const fs::directory_entry& entry : sorted_entries(split_dir)) {
    if (is_hidden(entry.path())) continue;
    if (entry.is_directory(error)) {
      class_dirs.push_back(entry.path());
    } else if (has_image_extension(entry.path())) {
      throw Error(entry.path().string() + ": an image outside a class folder (each class's images go in " +
                  (split_dir / "<class>").string() + "/)");
    } else {
      skip(listing, entry.path());
    }
  }
  if (class_dirs.empty())
    throw Error(split_dir.string() + ": no class folders (each class's images go in " +
                (split_dir / "<class>").string() + "/)");
  if (class_dirs.size() > kMaxClasses)
    throw Error(split_dir.string() + ": " + std::to_string(class_dirs.size()) + " class folders, more than the " +
                std::to_string(kMaxClasses) + " possible");
  for (std::size_t code = 0; code < class_dirs.size(); ++code) {
    const std::size_t before = listing.paths.size();
    list_class_images(class_dirs[code], static_cast<std::uint8_t>(code), listing);
    if (listing.paths.size() == before) throw Error(class_dirs[code].string() + ": no images");
    listing.names[int(code)] = class_dirs[code].filename().string();
  }
  interleave_classes(listing);
  return listing;
}

// An image as the split holds it: 1 (grey) or 3 (R, G, B) planes, each row-major.
struct Picture {
  int width = 0;
  int height = 0;
  int channels = 1;
  std::vector<std::uint8_t> planes;
  bool transparent = false;  // had alpha below 255, now composited onto black
  bool grey_rgb = false;     // stored as RGB with R = G = B everywhere, now grey
  bool shrunk = false;       // was larger than kInputSide × kInputSide
};

Picture to_planes(const Image& image) {
  const std::size_t area = std::size_t(image.width) * image.height;
  const bool alpha = image.channels == 2 || image.channels == 4;
  Picture picture{image.width, image.height, image.channels >= 3 ? 3 : 1, {}};
  picture.planes.resize(area * picture.channels);
  for (std::size_t p = 0; p < area; ++p) {
    const std::uint8_t* pixel = &image.pixels[p * image.channels];
    const unsigned opacity = alpha ? pixel[image.channels - 1] : 255;
    picture.transparent = picture.transparent || opacity < 255;
    for (int c = 0; c < picture.channels; ++c)
      picture.planes[c * area + p] = static_cast<std::uint8_t>((pixel[c] * opacity + 127) / 255);
  }
  const auto red = picture.planes.begin();
  if (picture.channels == 3 && std::equal(red, red + area, red + area) && std::equal(red, red + area, red + 2 * area)) {
    picture.channels = 1;
    picture.planes.resize(area);
    picture.grey_rgb = true;
  }
  return picture;
}

Picture read_picture(const std::string& path) {
  Picture picture = to_planes(read_image_file(path));
  if (picture.width > kInputSide || picture.height > kInputSide) {
    const auto [width, height] = fitted_size(picture.width, picture.height, kInputSide, kInputSide);
    picture.planes = letterbox(picture.planes.data(), picture.channels, picture.width, picture.height, width, height);
    picture.width = width;
    picture.height = height;
    picture.shrunk = true;
  }
  return picture;
}

// Every file decoded on options.threads threads. Files are handed out in order, so when one fails all
// before it have been taken: the error reported is always the first bad file's, however threads run.
std::vector<Picture> read_pictures(const std::vector<std::string>& paths, const DataOptions& options) {
  std::vector<Picture> pictures(paths.size());
  std::atomic<std::size_t> next{0}, done{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::size_t error_index = paths.size();
  std::exception_ptr error;
  auto last_progress = std::chrono::steady_clock::now();
  ThreadPool pool(options.threads);
  pool.run([&](int thread) {
    while (!failed.load(std::memory_order_relaxed)) {
      const std::size_t index = next.fetch_add(1);
      if (index >= paths.size()) break;
      try {
        pictures[index] = read_picture(paths[index]);
      } catch (...) {
        const std::lock_guard lock(error_mutex);
        if (index < error_index) error_index = index, error = std::current_exception();
        failed = true;
      }
      const std::size_t finished = done.fetch_add(1) + 1;
      // Progress from the calling thread only (task 0), so the callback needs no locking.
      if (thread == 0 && options.on_progress && std::chrono::steady_clock::now() - last_progress >= kProgressInterval) {
        options.on_progress(finished, paths.size());
        last_progress = std::chrono::steady_clock::now();
      }
    }
  });
  if (error) std::rethrow_exception(error);
  if (options.on_progress) options.on_progress(paths.size(), paths.size());
  return pictures;
}

// The most common (width, height); ties go to the larger area, then to the narrower.
std::pair<int, int> most_common_size(const std::vector<Picture>& pictures) {
  std::map<std::pair<int, int>, std::size_t> counts;
  for (const Picture& picture : pictures) ++counts[{picture.width, picture.height}];
  const auto rank = [](const auto& size_count) {
    const auto& [size, count] = size_count;
    return std::tuple(count, size.first * size.second);
  };
  return std::max_element(counts.begin(), counts.end(), [&](const auto& a, const auto& b) { return rank(a) < rank(b); })
      ->first;
}

// Writes `picture` as `channels` planes of `width` × `height` at `out`: scaled to fit and centred on black
// when its size differs, a grey picture replicated into every channel.
void place(const Picture& picture, int channels, int width, int height, std::uint8_t* out) {
  const std::size_t plane = std::size_t(width) * height;
  const bool fits = picture.width == width && picture.height == height;
  const std::vector<std::uint8_t> fitted =
      fits ? std::vector<std::uint8_t>{}
           : letterbox(picture.planes.data(), picture.channels, picture.width, picture.height, width, height);
  const std::uint8_t* planes = fits ? picture.planes.data() : fitted.data();
  for (int c = 0; c < channels; ++c)
    std::copy_n(planes + (picture.channels == 1 ? 0 : c) * plane, plane, out + c * plane);
}

std::string size_text(int width, int height) { return std::to_string(width) + "x" + std::to_string(height); }

}  // namespace

RawSplit read_folder_split(const std::string& dir, Split split, const DataOptions& options) {
  const fs::path split_dir = fs::path(dir) / (split == Split::train ? "train" : "test");
  Listing listing = list_split(split_dir);
  std::vector<Picture> pictures = read_pictures(listing.paths, options);

  const auto notice = [&](std::size_t count, const std::string& noun, const std::string& what) {
    if (count > 0 && options.on_notice)
      options.on_notice(split_dir.string() + ": " + std::to_string(count) + " " + noun + (count == 1 ? " " : "s ") +
                        what);
  };
  const auto count = [&](auto&& property) {
    return static_cast<std::size_t>(std::count_if(pictures.begin(), pictures.end(), property));
  };
  const std::size_t colour_images = count([](const Picture& picture) { return picture.channels == 3; });
  const int channels = colour_images > 0 ? 3 : 1;
  const std::pair<int, int> size = most_common_size(pictures);
  const int width = size.first, height = size.second;  // (clang 14 cannot capture structured bindings)
  notice(listing.skipped, "file", "skipped: not PNG, JPEG, BMP, PGM/PPM or WebP by extension (such as " +
                                      listing.first_skipped.lexically_relative(split_dir).string() + ")");
  notice(count([](const Picture& picture) { return picture.transparent; }), "image",
         "with transparency composited onto black");
  if (channels == 3)
    notice(pictures.size() - colour_images, "grey image", "replicated into R, G and B, as the split has colour images");
  else
    notice(count([](const Picture& picture) { return picture.grey_rgb; }), "RGB image", "with R = G = B read as grey");
  notice(count([](const Picture& picture) { return picture.shrunk; }), "image",
         "larger than " + size_text(kInputSide, kInputSide) + " shrunk to fit it (area averaging, aspect ratio kept)");
  notice(count([&](const Picture& picture) { return picture.width != width || picture.height != height; }), "image",
         "not " + size_text(width, height) +
             " (the most common size) scaled to fit it (aspect ratio kept) and centred on black");

  RawSplit raw;
  Dataset& data = raw.data;
  data.count = pictures.size();
  data.channels = channels;
  data.rows = height;
  data.cols = width;
  data.name = folder_name(dir);
  data.images.resize(data.count * data.image_size());
  for (std::size_t i = 0; i < pictures.size(); ++i) {
    place(pictures[i], channels, width, height, data.images.data() + i * data.image_size());
    pictures[i] = {};  // each picture's memory back as soon as it is placed
  }
  data.labels = std::move(listing.codes);
  raw.names = std::move(listing.names);
  return raw;
}

}  // namespace lenet5
