/* A shared object without the axevo entry point. */
int some_other_function(int x) { return x + 1; }
