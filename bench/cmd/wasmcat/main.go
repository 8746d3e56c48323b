// Command wasmcat writes a minimal WASI preview 1 cat, assembled by hand:
// a module of under 300 bytes that copies stdin to stdout in 64 KiB reads
// and exits 1 if a read or write fails. Its start costs next to nothing
// (no language runtime), so opening an object with it measures run on
// open itself. In the text format:
//
//	(module
//	  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
//	  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
//	  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
//	  (memory (export "memory") 2)
//	  (func (export "_start") (local $n i32)
//	    (i32.store (i32.const 0) (i32.const 1024))   ;; read iovec: 64 KiB at 1024
//	    (i32.store (i32.const 4) (i32.const 65536))
//	    (block $done (loop $more
//	      (if (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)) (then (call $exit (i32.const 1))))
//	      (local.set $n (i32.load (i32.const 16)))
//	      (br_if $done (i32.eqz (local.get $n)))
//	      (i32.store (i32.const 8) (i32.const 1024))  ;; write iovec: the n bytes read
//	      (i32.store (i32.const 12) (local.get $n))
//	      (if (call $write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 20)) (then (call $exit (i32.const 1))))
//	      (br $more))))
//
// (wazero's fd_write writes a whole buffer or fails, so one call per read
// suffices.)
//
//	wasmcat -o cat.wasm
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	out := flag.String("o", "cat.wasm", "output file")
	flag.Parse()
	if err := os.WriteFile(*out, Module(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "wasmcat:", err)
		os.Exit(1)
	}
}

// Module is the module's bytes.
func Module() []byte {
	const i32 = 0x7f
	name := func(s string) []byte { return append(uleb(uint32(len(s))), s...) }
	vec := func(items ...[]byte) []byte {
		b := uleb(uint32(len(items)))
		for _, it := range items {
			b = append(b, it...)
		}
		return b
	}
	section := func(id byte, body []byte) []byte {
		return append(append([]byte{id}, uleb(uint32(len(body)))...), body...)
	}
	cat := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	wasi := name("wasi_snapshot_preview1")
	types := vec(
		[]byte{0x60, 4, i32, i32, i32, i32, 1, i32}, // 0: fd_read, fd_write
		[]byte{0x60, 1, i32, 0},                     // 1: proc_exit
		[]byte{0x60, 0, 0},                          // 2: _start
	)
	imports := vec(
		cat(wasi, name("fd_read"), []byte{0x00, 0}),
		cat(wasi, name("fd_write"), []byte{0x00, 0}),
		cat(wasi, name("proc_exit"), []byte{0x00, 1}),
	)
	const (
		opBlock, opLoop, opIf, opEnd, opBr, opBrIf = 0x02, 0x03, 0x04, 0x0b, 0x0c, 0x0d
		opCall, opGet, opSet, opLoad, opStore      = 0x10, 0x20, 0x21, 0x28, 0x36
		opConst, opEqz, void                       = 0x41, 0x45, 0x40
	)
	c := func(v int32) []byte { return append([]byte{opConst}, sleb(v)...) }
	store := []byte{opStore, 2, 0}
	exitOnError := []byte{opIf, void, opConst, 1, opCall, 2, opEnd}
	code := cat(
		c(0), c(1024), store, c(4), c(65536), store,
		[]byte{opBlock, void, opLoop, void},
		c(0), c(0), c(1), c(16), []byte{opCall, 0}, exitOnError,
		c(16), []byte{opLoad, 2, 0, opSet, 0},
		[]byte{opGet, 0, opEqz, opBrIf, 1},
		c(8), c(1024), store, c(12), []byte{opGet, 0}, store,
		c(1), c(8), c(1), c(20), []byte{opCall, 1}, exitOnError,
		[]byte{opBr, 0, opEnd, opEnd, opEnd},
	)
	body := cat([]byte{1, 1, i32}, code) // one local i32
	return cat(
		[]byte("\x00asm\x01\x00\x00\x00"),
		section(1, types),
		section(2, imports),
		section(3, vec([]byte{2})),
		section(5, vec([]byte{0x00, 2})),
		section(7, vec(cat(name("memory"), []byte{0x02, 0}), cat(name("_start"), []byte{0x00, 3}))),
		section(10, vec(cat(uleb(uint32(len(body))), body))),
	)
}

func uleb(v uint32) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func sleb(v int32) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}
