/* Two exported models linked into one program (lenet5 export ... --prefix first, --prefix second): reads an
   uncompressed IDX image file on standard input as harness.c does and prints both models' classes per image.
   scripts/check-export-c.sh compares them with each model's own program. */
#include <stdio.h>

#include "first_model.h"
#include "second_model.h"

int main(void) {
  unsigned char header[16];
  static unsigned char image[FIRST_INPUT_HEIGHT][FIRST_INPUT_WIDTH];
  typedef char same_input[FIRST_INPUT_HEIGHT * FIRST_INPUT_WIDTH == SECOND_INPUT_HEIGHT * SECOND_INPUT_WIDTH ? 1 : -1];
  if (fread(header, 1, sizeof header, stdin) != sizeof header) return 1;
  while (fread(image, 1, sizeof image, stdin) == sizeof image) {
    const unsigned char(*pixels)[FIRST_INPUT_WIDTH] = (const unsigned char(*)[FIRST_INPUT_WIDTH])image;
    printf("%d %d\n", first_classify(pixels), second_classify(pixels));
  }
  return (int)(sizeof(same_input) - 1);
}
