package main

import (
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"zebra/jobtracker/worker"
	"zebra/mapreduce"
	"zebra/swiftfs"
)

// workerHTTP is a worker's HTTP handler: its attempt logs (for the web UI)
// and run on open (apps run on objects of the storage node beside it;
// see docs/open.md). Apps run in the process's sandboxes: .wasm modules
// in the wasm sandbox, script bundles in the native one.
func workerHTTP(data, token, name, node string, timeout time.Duration, boxes *sandboxes, log *slog.Logger) (http.Handler, error) {
	mux := http.NewServeMux()
	mux.Handle("/logs/", worker.LogHandler(filepath.Join(data, "logs"), token))
	var wasmRunner worker.WasmRunner
	if w, err := boxes.wasmRunner(); err != nil {
		log.Warn("no wasm sandbox: .wasm apps cannot be opened", "err", err)
	} else {
		wasmRunner = w
	}
	op, err := worker.NewOpener(worker.OpenConfig{Token: token, Name: name, Node: node, Dir: filepath.Join(data, "open"),
		Wasm: wasmRunner, Native: func() (mapreduce.Runner, error) { return boxes.nativeRunner(nil) },
		Swift: swiftfs.Config{Logger: quietLogger()}, Timeout: timeout, Logger: log})
	if err != nil {
		return nil, err
	}
	op.Register(mux)
	return mux, nil
}
