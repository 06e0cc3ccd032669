#include <stdint.h>

int16_t mul8s_first(int8_t A, int8_t B) { return (int16_t)(A * B); }

int16_t mul8s_second(int8_t A, int8_t B) { return (int16_t)((A * B) & ~1); }
