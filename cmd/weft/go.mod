module github.com/weft-dev/weft/cmd/weft

go 1.25.0

require github.com/weft-dev/weft v0.0.0

replace github.com/weft-dev/weft => ../..

require go.uber.org/goleak v1.3.0
