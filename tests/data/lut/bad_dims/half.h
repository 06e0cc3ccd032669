// A table with only 128 rows: the lut plugin must reject the declaration.
#include <stdint.h>

const int16_t lut[128][256] = {
  {0, 0, 0},
};
