/* The warm-start benchmark's C module: exits at once. */
int main(void) { return 0; }
