/* Runs an exported model (lenet5 export c / c-int8) on MNIST-style images read from standard input: an IDX
   image file's bytes (its 16-byte header, then count x 28 x 28 bytes; uncompressed). Prints one line per
   image: the class, then the scores. Used by scripts/check-export-c.sh and tests/test_export_c.cpp. */
#include <stdio.h>

#include "lenet5_model.h"

int main(void) {
  unsigned char header[16];
  static unsigned char image[LENET5_INPUT_CHANNELS * LENET5_INPUT_HEIGHT * LENET5_INPUT_WIDTH];
  if (fread(header, 1, sizeof header, stdin) != sizeof header) return 1;
  while (fread(image, 1, sizeof image, stdin) == sizeof image) {
#ifdef LENET5_SCORE_SCALE
    int32_t scores[LENET5_CLASSES];
#else
    float scores[LENET5_CLASSES];
#endif
    int i;
    const int best = lenet5_scores((const unsigned char(*)[LENET5_INPUT_WIDTH])image, scores);
    printf("%d", best);
    for (i = 0; i < LENET5_CLASSES; ++i) {
#ifdef LENET5_SCORE_SCALE
      printf(" %ld", (long)scores[i]);
#else
      printf(" %.9g", (double)scores[i]);
#endif
    }
    printf("\n");
  }
  return 0;
}
