// Each command file registers itself with the program.
