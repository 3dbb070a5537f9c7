// Command hello is the benchmarks' baseline: the cheapest Go process there is.
package main

import "fmt"

func main() { fmt.Println("hello, world") }
