// Command baseline is the physical limit the OFREP benchmarks compare
// with: a bare net/http handler that reads the request and writes a fixed
// JSON body of -size bytes, with no middleware at all. Like the server, it
// logs {"msg":"serving","addr":...} to stderr once it listens.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
)

func main() {
	size := flag.Int("size", 77, "body size in bytes")
	flag.Parse()
	body := bytes.Repeat([]byte(" "), *size)
	copy(body, `{"key":"checkout-v2","value":true,"reason":"TARGETING_MATCH","variant":"on"}`)
	body[len(body)-1] = '\n'
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	json.NewEncoder(os.Stderr).Encode(map[string]string{"msg": "serving", "addr": ln.Addr().String()})
	http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
}
