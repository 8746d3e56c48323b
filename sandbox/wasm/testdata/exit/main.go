// Command exit does nothing: the warm-start benchmark's Go module.
package main

func main() {}
