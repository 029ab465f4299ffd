#pragma once
// The image codecs behind lenet5/image_io.hpp, one file per format, and what they share. Each decoder takes
// the whole file and the name to put in its errors, and returns 8-bit samples with the file's channels; the
// format has been recognised by its magic bytes before the decoder is called.
#include <cstdint>
#include <span>
#include <string>

#include "lenet5/image.hpp"

namespace lenet5::image_codec {

using Bytes = std::span<const std::uint8_t>;

[[noreturn]] void fail(const std::string& name, const std::string& what);

// "<width>x<height>", for messages.
std::string dimensions(std::uint64_t width, std::uint64_t height);

// Throws unless each side is 1 to kMaxImageSide and their product at most kMaxImagePixels. Every decoder
// calls it on the header's sizes before allocating anything for the pixels.
void check_dimensions(const std::string& name, std::uint64_t width, std::uint64_t height);

Image decode_png(Bytes bytes, const std::string& name);
Image decode_jpeg(Bytes bytes, const std::string& name);
Image decode_bmp(Bytes bytes, const std::string& name);
Image decode_netpbm(Bytes bytes, const std::string& name);  // P2, P3, P5, P6
Image decode_webp(Bytes bytes, const std::string& name);

// EXIF orientation (TIFF tag 0x0112) from the body of a JPEG APP1 segment, 1–8; 1 (as stored) when the
// segment is not Exif, has no valid orientation, or is malformed: the tag is metadata, and a damaged one
// should not cost the picture.
int exif_orientation(Bytes app1);

// The image as it should be displayed for an EXIF orientation 1–8 (rotated and/or mirrored).
Image apply_orientation(Image stored, int orientation);

// Throws unless the image is one the writers can store: sides 1 to kMaxImageSide, pixels filling them.
void check_writable(const GreyImage& image, const std::string& path);

}  // namespace lenet5::image_codec
