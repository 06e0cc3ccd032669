// Test fixture for axevo (handwritten): two multiplier modules in one file, with a test
// bench (ignored: not a multiplier, and outside the netlist subset) between them.
module mul8s_zero(input [7:0] A, input [7:0] B, output [15:0] O);
  assign O = 16'd0;
endmodule

module tb;
  reg [7:0] a, b;
  wire [15:0] o;
  mul8s_zero dut (.A(a), .B(b), .O(o));
  initial begin
    a = 8'd3;
    b = 8'd5;
  end
endmodule

// Not ANSI; O = {8'b0, A & B}.
module mul8s_and (A, B, O);
  input [7:0] A;
  input [7:0] B;
  output [15:0] O;
  wire [7:0] t;
  assign O[15:8] = 8'h00;
  assign O[7:0] = t;
  assign t = A & B;
endmodule
