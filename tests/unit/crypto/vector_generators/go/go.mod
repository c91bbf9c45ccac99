module privstack/vector-generators

go 1.24

require github.com/libp2p/go-libp2p v0.51.0
