// goserver: a Go HTTP server for profiling a Go program both ways at once:
// by bpfprof from outside, and by Go's own net/http/pprof from inside.
// POST or GET /encrypt encrypts a payload with AES-CTR under a random IV
// and answers hex(IV || ciphertext), building the answer the wasteful way
// (a string per byte, joined) so that allocation and the GC show up, as in
// the Go tutorial the lab comes from. Standard library only.
//
//	goserver -listen 127.0.0.1:PORT [-profile-hz 500]
//
// -profile-hz sets the rate of Go's own CPU profile (net/http/pprof takes
// 100 Hz): Go keeps the rate set first, so it is set before each profile.
package main

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/pprof"
	"runtime"
	"strings"
)

var key = []byte("0123456789abcdef0123456789abcdef")

const defaultPayload = "Hello, World! This is a test message to encrypt."

func encryptData(plaintext []byte) (string, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	iv := make([]byte, aes.BlockSize)
	if _, err := io.ReadFull(rand.Reader, iv); err != nil {
		return "", err
	}
	ciphertext := make([]byte, len(plaintext))
	cipher.NewCTR(block, iv).XORKeyStream(ciphertext, plaintext)
	return joinHex(append(iv, ciphertext...)), nil
}

// joinHex: hex, one small string per byte, concatenated: the waste.
func joinHex(raw []byte) string {
	parts := make([]string, 0, len(raw))
	for _, b := range raw {
		parts = append(parts, hex.EncodeToString([]byte{b}))
	}
	return strings.Join(parts, "")
}

func encryptHandler(w http.ResponseWriter, r *http.Request) {
	payload := []byte(defaultPayload)
	if r.Method == http.MethodPost {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if len(body) > 0 {
			payload = body
		}
	}
	var out string
	for i := 0; i < 20; i++ { // enough work per request to dominate the profile
		s, err := encryptData(payload)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		out = s
	}
	fmt.Fprintln(w, out)
}

func main() {
	listen := flag.String("listen", "127.0.0.1:8090", "address to serve on")
	profileHz := flag.Int("profile-hz", 100, "samples per second of Go's own CPU profile")
	flag.Parse()
	// net/http/pprof's routes on a mux of our own, the CPU profile's
	// wrapped to set its rate first.
	mux := http.NewServeMux()
	mux.HandleFunc("/encrypt", encryptHandler)
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/profile", func(w http.ResponseWriter, r *http.Request) {
		runtime.SetCPUProfileRate(*profileHz)
		pprof.Profile(w, r)
	})
	log.Printf("goserver: listening on %s", *listen)
	log.Fatal(http.ListenAndServe(*listen, mux))
}
