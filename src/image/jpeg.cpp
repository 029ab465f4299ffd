// JPEG through libjpeg-turbo (its libjpeg API: libjpeg.txt): baseline, progressive and arithmetic-coded,
// grey or colour, turned upright by the EXIF orientation that phones write instead of rotating the pixels.
#include <cstdio>  // jpeglib.h uses FILE and size_t without including their headers
// clang-format off
#include <jpeglib.h>
#include <jerror.h>
// clang-format on

#include <csetjmp>

#include "image/codecs.hpp"

namespace lenet5::image_codec {
namespace {

// The largest image we accept (kMaxImagePixels) decoded progressively, 3 components without subsampling, keeps
// 2 bytes per coefficient in libjpeg's whole-image buffer: 384 MiB. The cap stops libjpeg from asking for more.
constexpr long kMaxJpegMemory = 512L << 20;

// libjpeg reports errors by calling error_exit, which must not return: ours longjmps back to the function
// that called setjmp (read_jpeg_header, decode_jpeg_pixels), which hold no C++ objects with destructors.
struct JpegErrors {
  jpeg_error_mgr manager;  // first, so that libjpeg's pointer to it is a pointer to the whole struct
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void on_jpeg_error(j_common_ptr decoder) {
  auto* errors = reinterpret_cast<JpegErrors*>(decoder->err);
  (*decoder->err->format_message)(decoder, errors->message);
  std::longjmp(errors->jump, 1);
}

// libjpeg goes on after damaged or missing data (filling the rest with grey) and only warns; for a digit to
// classify a half-grey picture is worse than an error, so these warnings fail. Others (extraneous bytes
// between segments, unknown JFIF versions, a bad ICC profile) leave the pixels intact and are ignored, as
// is all tracing: the library never prints.
void on_jpeg_message(j_common_ptr decoder, int level) {
  if (level != -1) return;
  switch (decoder->err->msg_code) {
    case JWRN_JPEG_EOF: case JWRN_HIT_MARKER: case JWRN_HUFF_BAD_CODE: case JWRN_ARITH_BAD_CODE:
    case JWRN_MUST_RESYNC: case JWRN_BOGUS_PROGRESSION: case JWRN_NOT_SEQUENTIAL:
      on_jpeg_error(decoder);
    default:
      break;
  }
}

struct JpegSession {
  JpegSession() {
    decoder.err = jpeg_std_error(&errors.manager);
    errors.manager.error_exit = on_jpeg_error;
    errors.manager.emit_message = on_jpeg_message;
  }
  JpegSession(const JpegSession&) = delete;
  JpegSession& operator=(const JpegSession&) = delete;
  ~JpegSession() { jpeg_destroy_decompress(&decoder); }  // safe on a decoder never created

  jpeg_decompress_struct decoder{};
  JpegErrors errors{};
};

bool read_jpeg_header(JpegSession& session, Bytes bytes) {
  if (setjmp(session.errors.jump)) return false;
  jpeg_create_decompress(&session.decoder);
  session.decoder.mem->max_memory_to_use = kMaxJpegMemory;
  jpeg_mem_src(&session.decoder, bytes.data(), static_cast<unsigned long>(bytes.size()));
  jpeg_save_markers(&session.decoder, JPEG_APP0 + 1, 0xFFFF);  // APP1: Exif
  jpeg_read_header(&session.decoder, TRUE);
  return true;
}

// JPEG data can describe a large image in very few bytes (arithmetic coding, progressive end-of-band runs),
// so unlike PNG the file's size bounds nothing. Instead the pixels grow row by row as they decode: a tiny
// file that claims a huge image fails at its end (JWRN_JPEG_EOF) before much is allocated for it.
bool decode_jpeg_pixels(JpegSession& session, std::vector<std::uint8_t>& pixels) {
  if (setjmp(session.errors.jump)) return false;
  jpeg_start_decompress(&session.decoder);
  const std::size_t row_bytes = std::size_t{session.decoder.output_width} * session.decoder.output_components;
  while (session.decoder.output_scanline < session.decoder.output_height) {
    pixels.resize(pixels.size() + row_bytes);  // bad_alloc here crosses no libjpeg frame
    JSAMPROW row = pixels.data() + pixels.size() - row_bytes;
    jpeg_read_scanlines(&session.decoder, &row, 1);
  }
  return true;
}

}  // namespace

Image decode_jpeg(Bytes bytes, const std::string& name) {
  JpegSession session;
  if (!read_jpeg_header(session, bytes)) fail(name, std::string("invalid JPEG: ") + session.errors.message);
  jpeg_decompress_struct& decoder = session.decoder;
  check_dimensions(name, decoder.image_width, decoder.image_height);
  switch (decoder.jpeg_color_space) {
    case JCS_GRAYSCALE: decoder.out_color_space = JCS_GRAYSCALE; break;
    case JCS_YCbCr: case JCS_RGB: decoder.out_color_space = JCS_RGB; break;
    case JCS_CMYK: case JCS_YCCK: fail(name, "CMYK JPEG images are not supported: convert to RGB");
    default:
      fail(name, "JPEG images with " + std::to_string(decoder.num_components) +
                     " colour components are not supported: convert to RGB");
  }

  int orientation = 1;
  for (jpeg_saved_marker_ptr marker = decoder.marker_list; marker != nullptr && orientation == 1; marker = marker->next) {
    orientation = exif_orientation(Bytes(marker->data, marker->data_length));
  }

  Image stored{static_cast<int>(decoder.image_width), static_cast<int>(decoder.image_height),
               decoder.out_color_space == JCS_GRAYSCALE ? 1 : 3, {}};
  if (!decode_jpeg_pixels(session, stored.pixels)) fail(name, std::string("invalid JPEG: ") + session.errors.message);
  if (decoder.output_width != decoder.image_width || decoder.output_height != decoder.image_height ||
      decoder.output_components != stored.channels) {
    fail(name, "libjpeg did not decode the image at its size and channels as asked");
  }
  return apply_orientation(std::move(stored), orientation);
}

}  // namespace lenet5::image_codec
