// Command linksdk links the whole 1Password SDK (NewClient is called only
// behind a flag, so the linker keeps everything) and otherwise prints like the
// hello-world: the floor for a binary that carries the SDK.
package main

import (
	"context"
	"fmt"
	"os"

	op "github.com/1password/onepassword-sdk-go"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-connect" {
		_, err := op.NewClient(context.Background(), op.WithServiceAccountToken(os.Getenv("OP_SERVICE_ACCOUNT_TOKEN")), op.WithIntegrationInfo("linksdk", "devel"))
		fmt.Println(err)
		return
	}
	fmt.Println("hello, world")
}
