package ui_test

import (
	"fmt"
	"strings"

	"github.com/weft-dev/weft/cmd/weft/internal/ui"
)

// The dashboard's options, as weft ui and weft serve declare them.
func ExampleOptionList() {
	var o ui.Options
	for _, opt := range ui.OptionList("weft ui", &o, ui.DefaultAddr) {
		fmt.Println(strings.TrimSpace(opt.Names[0] + " " + opt.Value))
	}
	// Output:
	// --ui HOST:PORT
	// --ui-token FILE
	// --read-only
	// --ui-tls-cert FILE
	// --ui-tls-key FILE
	// --ui-insecure-no-tls
}
