#include <cstdio>

int main() {
  std::puts("sidecarset-injector: under construction");
  return 2;
}
