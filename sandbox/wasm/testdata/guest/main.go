// Command guest is the test program of package wasm, built with
// GOOS=wasip1 GOARCH=wasm by the tests. Its first argument picks what it
// does.
package main

import (
	"bufio"
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"os"
	"sort"
	"strconv"
	"time"
	"unsafe"
)

func main() {
	mode := ""
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	switch mode {
	case "exit0":
	case "echo":
		// Copy stdin to stdout, upper-casing nothing: bytes in, bytes out.
		r := bufio.NewReader(os.Stdin)
		w := bufio.NewWriter(os.Stdout)
		if _, err := w.ReadFrom(r); err != nil {
			fmt.Fprintln(os.Stderr, "echo:", err)
			os.Exit(1)
		}
		w.Flush()
	case "report":
		// Everything an instance can observe of its world.
		fmt.Printf("args %q\n", os.Args)
		env := os.Environ()
		sort.Strings(env)
		for _, kv := range env {
			fmt.Println("env", kv)
		}
		wd, err := os.Getwd()
		fmt.Println("wd", wd, err)
		t0 := time.Now()
		fmt.Println("now", t0.UTC().Format(time.RFC3339Nano), t0.UnixNano())
		time.Sleep(1500 * time.Millisecond)
		fmt.Println("slept", time.Since(t0), time.Now().UTC().Format(time.RFC3339Nano))
		b := make([]byte, 16)
		rand.Read(b)
		fmt.Printf("crypto/rand %x\n", b)
		fmt.Println("math/rand", mrand.Uint64(), mrand.IntN(1000))
		host, err := os.Hostname()
		fmt.Println("hostname", host, err)
	case "dial":
		_, err := net.Dial("tcp", os.Args[2])
		fmt.Println("dial:", err)
		if err == nil {
			os.Exit(0)
		}
		os.Exit(3)
	case "open":
		data, err := os.ReadFile(os.Args[2])
		if err != nil {
			fmt.Println("open:", err)
			os.Exit(3)
		}
		os.Stdout.Write(data)
	case "alloc":
		mb, _ := strconv.Atoi(os.Args[2])
		var keep [][]byte
		for i := 0; i < mb; i++ {
			b := make([]byte, 1<<20)
			b[0] = 1
			keep = append(keep, b)
		}
		fmt.Println("allocated", len(keep), "MiB")
	case "loop":
		fmt.Println("looping")
		n := 0
		for {
			n++
		}
	case "sleeploop":
		for {
			time.Sleep(time.Second)
		}
	case "readforever":
		// Blocks reading stdin, which the test never closes.
		buf := make([]byte, 1)
		os.Stdin.Read(buf)
	case "exit":
		code, _ := strconv.Atoi(os.Args[2])
		fmt.Fprintln(os.Stderr, "exiting with", code)
		os.Exit(code)
	case "panic":
		panic("guest panics")
	case "trap":
		p := (*byte)(unsafe.Pointer(uintptr(0xfffffff0)))
		*p = 1
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", mode)
		os.Exit(2)
	}
}
