// Test fixture for axevo (handwritten): an 8-bit unsigned adder, O = A + B with the
// carry in O[8], written with its statements in reverse order (the output first, the
// ripple chain from the top bit down) and with cells in several naming styles.
module add8u(input [7:0] A, input [7:0] B, output [15:0] O);
  wire [7:0] s;  // sum bits
  wire [7:0] c;  // carries
  wire p6, g6, t6, p2, p1, g1, nc1;

  assign O = {7'b0000000, c[7], s};

  // bit 7: Nangate-style full adder
  FA_X1 f7 (.A(A[7]), .B(B[7]), .CI(c[6]), .S(s[7]), .CO(c[7]));
  // bit 6 from gates: s = p ^ c, carry = g | (p & c)
  XOR2X1 x6b (.A(p6), .B(c[5]), .Y(s[6]));
  OR2_X1 o6 (.A1(g6), .A2(t6), .Z(c[6]));
  and (t6, p6, c[5]);
  AND2X1 a6 (.A(A[6]), .B(B[6]), .Y(g6));
  xor x6a (p6, A[6], B[6]);
  // bit 5: named connections in any order; bit 4: positional (YS, YC, A, B, C)
  FAX1 f5 (.YS(s[5]), .YC(c[5]), .A(A[5]), .B(B[5]), .C(c[4]));
  FA f4 (s[4], c[4], A[4], B[4], c[3]);
  // bit 3: Synopsys-style name
  FADDX1 f3 (.A(A[3]), .B(B[3]), .CI(c[2]), .S(s[3]), .CO(c[3]));
  // bit 2: carry through a multiplexer, carry = p ? c_in : a
  MUX2X1 m2 (.A(A[2]), .B(c[1]), .S(p2), .Y(c[2]));
  assign s[2] = ~(p2 ~^ c[1]);
  assign p2 = A[2] ^ B[2];
  // bit 1: carry = ~AOI21(c_in, p, g)
  not (c[1], nc1);
  AOI21X1 ao1 (.A(c[0]), .B(p1), .C(g1), .Y(nc1));
  assign s[1] = p1 ^ c[0];
  assign g1 = A[1] & B[1], p1 = A[1] ^ B[1];
  // bit 0: half adder
  HAX1 h0 (.A(A[0]), .B(B[0]), .YS(s[0]), .YC(c[0]));
endmodule
