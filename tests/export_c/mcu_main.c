/* An exported model on a Cortex-M4, emulated: QEMU's mps2-an386 board (scripts/check-mcu.sh). The test images
   are compiled in (test_images.c); semihosting (newlib's rdimon) only prints. Prints each image's class, one
   per line, then the instructions an inference took on average, counted with SysTick under -icount.

   Start-up: the core reads its initial stack pointer and reset address from the two-entry vector table at
   address 0 (placed there by the linker: -Wl,--section-start=.vectors=0); reset enables the FPU (the model is
   built for -mfloat-abi=hard) and enters newlib's _start, which sets up the C library and calls main. */
#include <stdio.h>

#include "lenet5_model.h"

extern const unsigned char test_images[][LENET5_INPUT_HEIGHT][LENET5_INPUT_WIDTH];
extern const int test_image_count;

extern void _start(void);

static void reset(void) {
  *(volatile unsigned *)0xE000ED88u |= 0xFu << 20; /* CPACR: full access to CP10 and CP11, the FPU */
  __asm volatile("dsb\n\tisb");
  _start();
}

/* The initial stack pointer (the top of SSRAM2; _start moves it where semihosting says) and reset. */
__attribute__((section(".vectors"), used)) static void (*const vectors[2])(void) = {(void (*)(void))0x20400000u,
                                                                                     reset};

/* SysTick, on the processor's clock: a 24-bit counter that counts down. Under -icount the emulated clock
   advances with each instruction, so its ticks count instructions. */
static volatile unsigned *const systick = (volatile unsigned *)0xE000E010u;
enum { control, reload, current };

static unsigned elapsed(unsigned start) { return (start - systick[current]) & 0xFFFFFFu; }

/* Instructions per SysTick tick, from a loop of known length: 2 instructions (subs, bne) per turn. */
static double instructions_per_tick(void) {
  unsigned turns = 100000;
  const unsigned start = systick[current];
  __asm volatile("1: subs %0, %0, #1\n\tbne 1b" : "+r"(turns));
  return 200000.0 / elapsed(start);
}

int main(void) {
  double ticks = 0;
  int i;
  systick[reload] = 0xFFFFFFu;
  systick[current] = 0;
  systick[control] = 5; /* enabled, the processor's clock, no interrupt */
  while (systick[current] == 0) {
  }
  for (i = 0; i < test_image_count; ++i) {
    const unsigned start = systick[current];
    const int digit = lenet5_classify(test_images[i]);
    ticks += elapsed(start);
    printf("%d\n", digit);
  }
  printf("instructions per inference: %.0f\n", ticks / test_image_count * instructions_per_tick());
  return 0;
}
