// The formats library: table files (formats/tables.hpp), metadata sidecars
// (formats/metadata.hpp) and Verilog netlists (formats/verilog.hpp); see src/.
