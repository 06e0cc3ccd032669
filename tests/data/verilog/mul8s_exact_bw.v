`timescale 1ns / 1ps
/***
* Test fixture for axevo (handwritten): an exact signed 8x8 multiplier, Baugh-Wooley
* form, written in the style of the EvoApproxLib generic netlists - PDKGEN cell names,
* the cell modules defined at the end of the file, a vector addition.
*
*   A * B = sum_j (row_j << j) + 2^8 + 2^15  (mod 2^16), where for j < 7
*   row_j = {~(A[7] & B[j]), A[6:0] & B[j]} and row_7 = {A[7] & B[7], ~(A[6:0] & B[7])}.
***/
// MAE = 0
// WCE = 0

module mul8s_exact_bw ( A, B, O );
  input [7:0] A;
  input [7:0] B;
  output [15:0] O;

  wire [7:0] pp0, pp1, pp2, pp3, pp4, pp5, pp6, pp7;  // partial-product rows
  wire [9:0] s01;                                     // row 0 + (row 1 << 1)
  wire C_1,C_2,C_3,C_4,C_5,C_6,C_7;

  // The sum of all rows (the output is assigned before the nets it reads).
  assign O = {6'b000000, s01} + {6'b0, pp2, 2'b00} + {5'b0, pp3, 3'b0} + {pp4, 4'h0}
           + {pp5, 5'd0} + {pp6, 6'b0} + {pp7, 7'b0} + 16'h8100;

  // Rows 0 and 1 bit by bit, as EvoApprox writes its partial products.
  assign pp0[0] = (A[0] & B[0]);
  assign pp0[1] = (A[1] & B[0]);
  assign pp0[2] = (A[2] & B[0]);
  assign pp0[3] = (A[3] & B[0]);
  assign pp0[4] = (A[4] & B[0]);
  assign pp0[5] = (A[5] & B[0]);
  assign pp0[6] = (A[6] & B[0]);
  assign pp0[7] = ~(A[7] & B[0]);
  assign pp1[0] = (A[0] & B[1]);
  assign pp1[1] = (A[1] & B[1]);
  assign pp1[2] = (A[2] & B[1]);
  assign pp1[3] = (A[3] & B[1]);
  assign pp1[4] = (A[4] & B[1]);
  assign pp1[5] = (A[5] & B[1]);
  assign pp1[6] = (A[6] & B[1]);
  assign pp1[7] = ~(A[7] & B[1]);
  // The other rows as vector expressions.
  assign pp2 = {~(A[7] & B[2]), A[6:0] & {7{B[2]}}};
  assign pp3 = {~(A[7] & B[3]), A[6:0] & {7{B[3]}}};
  assign pp4 = {~(A[7] & B[4]), A[6:0] & {7{B[4]}}};
  assign pp5 = {~(A[7] & B[5]), A[6:0] & {7{B[5]}}};
  assign pp6 = {~(A[7] & B[6]), A[6:0] & {7{B[6]}}};
  assign pp7 = {A[7] & B[7], ~(A[6:0] & {7{B[7]}})};

  // Row 0 + row 1 as a ripple of half and full adders.
  assign s01[0] = pp0[0];
  PDKGENHAX1 U1 (.A(pp0[1]), .B(pp1[0]), .YS(s01[1]), .YC(C_1));
  PDKGENFAX1 U2 (.A(pp0[2]), .B(pp1[1]), .C(C_1), .YS(s01[2]), .YC(C_2));
  PDKGENFAX1 U3 (.A(pp0[3]), .B(pp1[2]), .C(C_2), .YS(s01[3]), .YC(C_3));
  PDKGENFAX1 U4 (.A(pp0[4]), .B(pp1[3]), .C(C_3), .YS(s01[4]), .YC(C_4));
  PDKGENFAX1 U5 (pp0[5], pp1[4], C_4, s01[5], C_5);  // positional, in the order of the module below
  PDKGENFAX1 U6 (.A(pp0[6]), .B(pp1[5]), .C(C_5), .YS(s01[6]), .YC(C_6));
  PDKGENFAX1 U7 (.A(pp0[7]), .B(pp1[6]), .C(C_6), .YS(s01[7]), .YC(C_7));
  PDKGENPDKGENHAX1 U8 (.A(C_7), .B(pp1[7]), .YS(s01[8]), .YC(s01[9])); // mangled name, no module

endmodule

/* mod */
module PDKGENHAX1( input A, input B, output YS, output YC );
    assign YS = A ^ B;
    assign YC = A & B;
endmodule
/* mod */
module PDKGENFAX1( input A, input B, input C, output YS, output YC );
    assign YS = (A ^ B) ^ C;
    assign YC = (A & B) | (B & C) | (A & C);
endmodule
