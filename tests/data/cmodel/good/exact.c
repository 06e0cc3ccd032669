/* The exact signed 8x8 multiplier, with a static helper that must not count as a
   candidate.  "int16_t fake(int8_t a, int8_t b) {" inside a comment is ignored too. */
#include <stdint.h>

static int16_t product(int8_t a, int8_t b) { return (int16_t)(a * b); }

int16_t mul8s_exact(int8_t A, int8_t B)
{
  const char* note = "int16_t g(int8_t a, int8_t b) { }";  /* a string, not a definition */
  (void)note;
  return product(A, B);
}
