/* main.c - placeholder, replaced by the cxm command dispatcher. */
#include "cxm.h"
int main(void) { return 0; }
