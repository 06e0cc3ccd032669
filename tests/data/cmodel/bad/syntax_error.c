#include <stdint.h>

int16_t mul8s_broken(int8_t A, int8_t B)
{
  int16_t p = A * B   /* missing semicolon */
  return p;
}
