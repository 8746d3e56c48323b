package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"zebra/jobtracker/api"
	"zebra/jobtracker/placement"
	"zebra/jobtracker/zerocloud"
	"zebra/jobtracker/zerocloud/gateway"
	"zebra/mapreduce"
	"zebra/web"
)

// zerocloudPostedCompiler compiles a job posted through the ZeroCloud
// gateway: as zerocloudCompiler, for the tenant and its account only, with
// the files the job names relatively (a posted image or script) shipped
// in a bundle, and ZeroCloud's timeout (if the operator set one) as the
// instances' wall-clock limit.
func zerocloudPostedCompiler(maxima tenantMaxima, slots func() placement.Capacity) web.ZeroCloudPostedFunc {
	return func(ctx context.Context, job *gateway.Job, tenant string, cred *api.SwiftCredential) (*api.Plan, io.ReadCloser, error) {
		j, err := zerocloud.Parse(job.File, job.Description)
		if err != nil {
			return nil, nil, err
		}
		conf := map[string]string{}
		if job.Timeout > 0 {
			conf[mapreduce.KeySandboxWallSecs] = strconv.FormatInt(int64(job.Timeout/time.Second), 10)
		}
		reg := tenantRegistry(tenant, cred, func(string) string { return "" }, "", maxima)
		have := slots()
		c, err := zerocloud.Compile(ctx, job.File, j, zerocloud.Options{Registry: reg, Dir: job.Dir, Conf: conf, Account: tenant, OwnAccountOnly: true, Slots: &have,
			Name: "zerocloud " + job.Kind, Args: []string{"POST /v1" + job.PathInfo()}, Logger: quietLogger()})
		if err != nil {
			return nil, nil, hostDirHidden{err, job.Dir}
		}
		if len(c.Bundle) == 0 {
			return c.Plan, nil, nil
		}
		f, err := os.CreateTemp("", "zebra-bundle-*.tar")
		if err != nil {
			return nil, nil, fmt.Errorf("write the job's bundle: %w", err)
		}
		os.Remove(f.Name()) // gone when closed
		if err := zerocloud.WriteBundle(f, c.Bundle); err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("write the job's bundle: %w", err)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("write the job's bundle: %w", err)
		}
		return c.Plan, f, nil
	}
}

// startGateway serves ZeroCloud's wire protocol on listen, in front of the
// Swift proxy of swiftAuth (the storage URL up to the account,
// http://host:port/v1), and writes its URL to data/gateway.url. It stops
// when ctx ends.
func startGateway(ctx context.Context, listen, swiftAuth, data string, timeout time.Duration, front *web.Server, log *slog.Logger) error {
	if swiftAuth == "" {
		return errors.New("--gateway needs the Swift proxy: --swift-auth http://host:port/v1")
	}
	proxy, err := url.Parse(strings.TrimSuffix(strings.TrimRight(swiftAuth, "/"), "/v1"))
	if err != nil {
		return fmt.Errorf("--swift-auth %s: %w", swiftAuth, err)
	}
	var interactive time.Duration // ZeroCloud's: its session timeout and a grace (default 11 s)
	if timeout > 0 {
		interactive = timeout + time.Second
	}
	g, err := gateway.New(gateway.Config{Proxy: proxy, Authorize: front.GatewayAuthorize, Run: front.GatewayRun(), Timeout: timeout,
		Interactive: interactive, Logger: log})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("zerocloud gateway: listen on %s: %w", listen, err)
	}
	u := "http://" + ln.Addr().String()
	if err := writeAtomic(filepath.Join(data, "gateway.url"), u+"\n"); err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{Handler: g, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("zerocloud gateway stopped", "err", err)
		}
	}()
	log.Info("zerocloud gateway serving", "url", u, "swift", proxy.String())
	return nil
}

// hostDirHidden is a refusal of a posted job whose text names, instead of
// the gateway's directory of the job's files on the jobtracker's host,
// "the posted job": the tenant is told which file is missing, not where
// the host keeps its files.
type hostDirHidden struct {
	err error
	dir string
}

func (e hostDirHidden) Error() string {
	msg := e.err.Error()
	if e.dir == "" {
		return msg
	}
	msg = strings.ReplaceAll(msg, " (in "+e.dir+")", " (in the posted job)")
	return strings.ReplaceAll(msg, e.dir, "<the posted job>")
}

func (e hostDirHidden) Unwrap() error { return e.err }
