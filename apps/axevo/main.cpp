#include <iostream>
int main() { std::cout << "axevo\n"; }
