// Command linksdk only links the 1Password SDK, to show what its package
// initialisation alone costs next to the hello-world.
package main

import (
	"fmt"

	_ "github.com/1password/onepassword-sdk-go"
)

func main() { fmt.Println("hello, world") }
