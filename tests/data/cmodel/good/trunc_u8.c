// A truncating multiplier declared the way some EvoApprox models are: uint8_t operands
// (the byte patterns of the signed operands) and a uint16_t result (read as int16).
// It clears the 4 low bits of the exact signed product.
uint16_t mul8s_trunc4(uint8_t A, uint8_t B)
{
  int16_t p = (int16_t)((int8_t)A * (int8_t)B);
  return (uint16_t)p & 0xFFF0u;
}
