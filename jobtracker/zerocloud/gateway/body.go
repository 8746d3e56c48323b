package gateway

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"zebra/jobtracker/zerocloud"
)

// Kinds of posted jobs.
const (
	KindJSON   = "json"   // a JSON job description
	KindImage  = "image"  // a tar image holding boot/system.map
	KindScript = "script" // a "#!" script, run as a one-instance job
)

// Limits of what a request may carry.
const (
	// MaxImage bounds a posted (or X-Zerovm-Source) tar image, unpacked
	// from gzip if it came so: the image limit of zebra's jobs.
	MaxImage = 1 << 30
	// MaxScript bounds a posted script.
	MaxScript = 16 << 20
	// GzipFloor and GzipRatio bound how much a gzipped image may expand:
	// beyond GzipFloor bytes unpacked, at most GzipRatio times the
	// compressed bytes read. The image is kept unpacked (the gateway's
	// copy, the compiler's, the job's bundle in the jobtracker's data),
	// so a small gzip of zeros would otherwise cost the jobtracker's disk
	// a thousand times what the request carried.
	GzipFloor = 64 << 20
	GzipRatio = 100
)

// errGzipRatio breaks off a gzipped image that expands beyond GzipRatio.
var errGzipRatio = errors.New("the gzipped image expands too much")

// ratioReader reads a gzip stream's unpacked bytes and fails with
// errGzipRatio once they pass GzipFloor and GzipRatio times the packed
// bytes read (in).
type ratioReader struct {
	zr  io.Reader
	in  *zerocloud.CountingReader
	out int64
}

func (r *ratioReader) Read(p []byte) (int, error) {
	n, err := r.zr.Read(p)
	r.out += int64(n)
	if r.out > GzipFloor && r.out > GzipRatio*r.in.N {
		return n, errGzipRatio
	}
	return n, err
}

// Job is what a request asks to run: a JSON job description and the
// files it names relatively (a posted image is image.tar, a script is
// script), ready for zerocloud.Parse and zerocloud.Compile.
type Job struct {
	Kind   string
	Target Target
	// File names the description in error messages (job.json,
	// boot/system.map, script).
	File string
	// Description is the JSON job description.
	Description []byte
	// Dir holds the files the description names relatively ("": none);
	// Close removes it.
	Dir string
	// Timeout is Config.Timeout: the instances' wall-clock limit (0:
	// the sandbox's own).
	Timeout time.Duration
	// input is the object of .zvm holding the request's body (see
	// attachInput; "": none).
	input string
}

// PathInfo is the request's path below the version (/account[/c/o]), as
// ZeroCloud's CGI PATH_INFO.
func (j *Job) PathInfo() string {
	p := "/" + j.Target.Account
	if j.Target.Object != "" {
		p += "/" + j.Target.Container + "/" + j.Target.Object
	}
	return p
}

// Close removes the job's files.
func (j *Job) Close() error {
	if j.Dir == "" {
		return nil
	}
	return os.RemoveAll(j.Dir)
}

// tarTypes are the content types ZeroCloud read as an image.
var tarTypes = map[string]bool{"application/x-tar": true, "application/x-gtar": true, "application/x-ustar": true, "application/x-gzip": true}

// Read reads the job of an authorized request to t, as ZeroCloud did:
// by the body's Content-Type a JSON description (application/json), a
// tar image (application/x-tar, x-gtar, x-ustar; x-gzip for a gzipped
// one) whose boot/cluster.map or boot/system.map is the description and
// which becomes every group's image, or else a script whose first line
// is "#!INTERPRETER [ARGS]", run as one instance "script" with stdout as
// the reply (and, posted to an object, the object as stdin). With
// X-Zerovm-Source the job is the object it names (swift://ACCOUNT/C/O,
// read with the request's token), by that object's Content-Type. Refusals
// are *Error: 400 for what is not a job, 413 for what is too large, 422
// for an image that is not a tar; an unparsable description is left to
// zerocloud.Parse (422).
func (g *Gateway) Read(r *http.Request, t Target, token string) (*Job, error) {
	body, ctype, size := io.Reader(r.Body), r.Header.Get("Content-Type"), r.ContentLength
	srcImage := "" // X-Zerovm-Source's object, as the image device may name it
	srcForeign := false
	if src := r.Header.Get("X-Zerovm-Source"); src != "" {
		resp, u, foreign, err := g.source(r, t, token, src)
		if err != nil {
			return nil, err
		}
		srcImage, srcForeign = u, foreign
		defer resp.Body.Close()
		body, ctype, size = resp.Body, resp.Header.Get("Content-Type"), resp.ContentLength
	}
	if ctype == "" {
		return nil, refuse(http.StatusBadRequest, "Must specify Content-Type: application/json for a job description, application/x-tar for an image, any other for a script")
	}
	mt, _, err := mime.ParseMediaType(ctype)
	if err != nil {
		mt, _, _ = strings.Cut(strings.ToLower(ctype), ";")
		mt = strings.TrimSpace(mt)
	}
	job := &Job{Target: t}
	switch {
	case tarTypes[mt]:
		job.Kind, job.File = KindImage, "boot/system.map"
		if size > MaxImage {
			return nil, refuse(http.StatusRequestEntityTooLarge, "the image is %d bytes, more than the %d accepted", size, int64(MaxImage))
		}
		if src := r.Header.Get("X-Zerovm-Source"); src != "" && mt != "application/x-gzip" {
			// The image is in Swift already: the job's groups name it
			// there (workers fetch it, as for any swift:// image), and
			// no copy of it is kept on the gateway nor in the job's
			// bundle, which the jobtracker keeps (a tenant's tiny
			// request must not copy its 1 GiB object there each time).
			if srcForeign {
				// Another account's image: copied as a posted one.
				err = job.readImage(body, false, mt)
				break
			}
			if srcImage == "" {
				err = refuse(http.StatusBadRequest, "X-Zerovm-Source %s: an image's object name cannot have *, ?, #, %%, \\ or empty segments (it becomes the jobs' swift:// image device): copy the image to a plain name", src)
				break
			}
			err = job.readSourceImage(body, mt, srcImage)
			break
		}
		err = job.readImage(body, mt == "application/x-gzip", mt)
	case mt == "application/json":
		job.Kind, job.File = KindJSON, "job.json"
		job.Description, err = readLimited(body, size, zerocloud.MaxSize, "the job description")
		if etag := strings.Trim(r.Header.Get("Etag"), `"`); err == nil && etag != "" && r.Header.Get("X-Zerovm-Source") == "" {
			// As ZeroCloud: a description that is not what its
			// sender hashed is not run.
			if sum := md5.Sum(job.Description); !strings.EqualFold(etag, hex.EncodeToString(sum[:])) {
				err = refuse(http.StatusUnprocessableEntity, "the job description's MD5 is %x, not its Etag %s", sum, etag)
			}
		}
	default:
		job.Kind, job.File = KindScript, "script"
		err = job.readScript(body, size)
	}
	if err == nil && r.Header.Get("X-Zerovm-Source") != "" {
		err = g.attachInput(r, t, token, job)
	}
	if err != nil {
		g.release(t, token, job)
		job.Close()
		return nil, err
	}
	return job, nil
}

// source opens the object X-Zerovm-Source names, with the request's
// token. It also returns the object as a job's device may name it
// (swift://~/CONTAINER/OBJECT; "" if its name cannot be written so) and
// whether it is another account's (which a job's device cannot name):
// that is read where its read ACL lets the caller read it.
func (g *Gateway) source(r *http.Request, t Target, token, src string) (*http.Response, string, bool, error) {
	u, err := url.Parse(src)
	if err != nil || u.Scheme != "swift" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, "", false, refuse(http.StatusPreconditionFailed, "X-Zerovm-Source format is swift://account/container/object (got %q)", src)
	}
	account := u.Host
	if account == "~" || account == "." {
		account = t.Account
	}
	// Another account's object is read as ZeroCloud read it: with the
	// caller's own token, so that Swift grants it by its read ACL or
	// answers 403 (never with the cluster's credentials).
	foreign := account != t.Account
	if !accountName.MatchString(account) {
		return nil, "", false, refuse(http.StatusPreconditionFailed, "X-Zerovm-Source %s: %q is not a Swift account name (letters, digits, _, - and .)", src, account)
	}
	cont, obj, ok := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	if !ok || cont == "" || obj == "" {
		return nil, "", false, refuse(http.StatusPreconditionFailed, "X-Zerovm-Source format is swift://account/container/object (got %q)", src)
	}
	for _, seg := range strings.Split(cont+"/"+obj, "/") {
		if seg == "." || seg == ".." {
			return nil, "", false, refuse(http.StatusPreconditionFailed, `X-Zerovm-Source %s: a "." or ".." segment`, src)
		}
	}
	resp, err := g.swift(r.Context(), http.MethodGet, token, account, cont, obj, nil, nil)
	if err != nil {
		// The detail names the proxy's internal address: logged, not
		// shown.
		g.log.Warn("read X-Zerovm-Source", "account", t.Account, "source", src, "err", err)
		return nil, "", false, refuse(http.StatusBadGateway, "X-Zerovm-Source %s: the Swift proxy could not be reached (the gateway's log says why)", src)
	}
	if resp.StatusCode/100 != 2 {
		resp.Body.Close()
		code := resp.StatusCode
		if code/100 != 4 {
			code = http.StatusBadGateway
		}
		return nil, "", false, refuse(code, "X-Zerovm-Source %s: Swift answered %s", src, resp.Status)
	}
	self := "swift://~/" + cont + "/" + obj
	if strings.ContainsAny(self, "*?#%\\") || path.Clean("/"+cont+"/"+obj) != "/"+cont+"/"+obj {
		self = "" // a wildcard, or a name zebra's swift:// URLs would change
	}
	return resp, self, foreign, nil
}

// swift makes a request to the proxy for /v1/account/container/object
// with token.
func (g *Gateway) swift(ctx context.Context, method, token, account, cont, obj string, body io.Reader, h http.Header) (*http.Response, error) {
	return g.swiftSized(ctx, method, token, account, cont, obj, body, -1, h)
}

// swiftSized is swift with the body's length (-1: unknown, sent chunked).
func (g *Gateway) swiftSized(ctx context.Context, method, token, account, cont, obj string, body io.Reader, size int64, h http.Header) (*http.Response, error) {
	p := "/v1/" + account
	if cont != "" {
		p += "/" + cont
	}
	if obj != "" {
		p += "/" + obj
	}
	u := url.URL{Scheme: g.cfg.Proxy.Scheme, Host: g.cfg.Proxy.Host, Path: p}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, p, err)
	}
	if size >= 0 && body != nil {
		req.ContentLength = size
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("X-Auth-Token", token)
	resp, err := g.cfg.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, p, err)
	}
	return resp, nil
}

// readLimited reads a body of at most limit bytes (413 beyond).
func readLimited(r io.Reader, size, limit int64, what string) ([]byte, error) {
	if size > limit {
		return nil, refuse(http.StatusRequestEntityTooLarge, "%s is %d bytes, more than the %d accepted", what, size, limit)
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, refuse(http.StatusBadRequest, "%s could not be read: %v", what, err)
	}
	if int64(len(b)) > limit {
		return nil, refuse(http.StatusRequestEntityTooLarge, "%s is more than the %d bytes accepted", what, limit)
	}
	return b, nil
}

// imageFile is the posted image's name in the job's directory.
const imageFile = "image.tar"

// readImage stores the image and takes its boot/cluster.map or
// boot/system.map (as ZeroCloud, the first if both), adding the image
// to every group that names none. Its members are checked when the job
// is compiled (zerocloud.Compile: relative names that stay inside,
// directories, regular files and symlinks only).
func (j *Job) readImage(body io.Reader, gz bool, mt string) error {
	dir, err := os.MkdirTemp("", "zebra-zcgw-*")
	if err != nil {
		return fmt.Errorf("store the posted image: %w", err)
	}
	j.Dir = dir
	f, err := os.OpenFile(filepath.Join(dir, imageFile), os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("store the posted image: %w", err)
	}
	defer f.Close()
	if gz {
		in := &zerocloud.CountingReader{R: body}
		zr, err := gzip.NewReader(in)
		if err != nil {
			return refuse(http.StatusUnprocessableEntity, "Error reading %s stream: %v", mt, err)
		}
		body = &ratioReader{zr: zr, in: in}
	}
	n, err := io.Copy(f, io.LimitReader(body, MaxImage+1))
	switch {
	case errors.Is(err, errGzipRatio):
		return refuse(http.StatusRequestEntityTooLarge, "the gzipped image expands to more than %d times its size (and %d MiB): send it as application/x-tar, or store it in Swift and name it as the image device (swift://~/container/image.tar)", GzipRatio, GzipFloor>>20)
	case err != nil && gz:
		return refuse(http.StatusUnprocessableEntity, "Error reading %s stream: %v", mt, err)
	case err != nil:
		return refuse(http.StatusBadRequest, "the image could not be read: %v", err)
	case n > MaxImage:
		return refuse(http.StatusRequestEntityTooLarge, "the image is more than the %d bytes accepted", int64(MaxImage))
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("read the posted image: %w", err)
	}
	desc, file, err := bootMap(tar.NewReader(bufio.NewReader(f)), mt)
	if err != nil {
		return err
	}
	j.File = file
	j.Description = withImage(desc, imageFile)
	return nil
}

// readSourceImage reads the boot map of the tar image X-Zerovm-Source
// named (src, as a device names it), streamed from Swift and not stored,
// and makes src every group's image that names none.
func (j *Job) readSourceImage(body io.Reader, mt, src string) error {
	desc, file, err := bootMap(tar.NewReader(bufio.NewReader(io.LimitReader(body, MaxImage))), mt)
	if err != nil {
		return err
	}
	j.File = file
	j.Description = withImage(desc, src)
	return nil
}

// bootMap reads an image's boot/cluster.map or boot/system.map (as
// ZeroCloud, the first if both): the job description and its name.
func bootMap(tr *tar.Reader, mt string) ([]byte, string, error) {
	maps := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, "", fmt.Errorf("read the posted image: %w", err) // the host's file: not the tenant's to see
		}
		if err != nil {
			return nil, "", refuse(http.StatusUnprocessableEntity, "Error reading %s stream: not a tar archive: %v", mt, err)
		}
		name := strings.TrimPrefix(h.Name, "./")
		if name != "boot/system.map" && name != "boot/cluster.map" || maps[name] != nil {
			continue
		}
		if h.Typeflag != tar.TypeReg {
			return nil, "", refuse(http.StatusBadRequest, "the image's %s is not a regular file", name)
		}
		if maps[name], err = readLimited(tr, h.Size, zerocloud.MaxSize, "the image's "+name); err != nil {
			return nil, "", err
		}
	}
	desc, file := maps["boot/cluster.map"], "boot/cluster.map"
	if desc == nil {
		desc, file = maps["boot/system.map"], "boot/system.map"
	}
	if desc == nil {
		return nil, "", refuse(http.StatusBadRequest, "System boot map was not found in request: the image (a tar) must hold boot/system.map, the job description")
	}
	return desc, file, nil
}

// withImage adds a device "image" with path file to every group of desc
// that has none. A description that is not an array of objects with
// device lists is returned as it is, for zerocloud.Parse to report.
func withImage(desc []byte, file string) []byte {
	var groups []map[string]json.RawMessage
	if err := json.Unmarshal(desc, &groups); err != nil {
		return desc
	}
	for _, g := range groups {
		key, nameKey := "devices", "name"
		if _, ok := g[key]; !ok {
			if _, ok := g["file_list"]; ok {
				key, nameKey = "file_list", "device"
			}
		}
		var devs []map[string]any
		if raw, ok := g[key]; ok {
			if err := json.Unmarshal(raw, &devs); err != nil {
				return desc
			}
		}
		has := false
		for _, d := range devs {
			if d["name"] == "image" || d["device"] == "image" {
				has = true
			}
		}
		if has {
			continue
		}
		devs = append(devs, map[string]any{nameKey: "image", "path": file})
		raw, err := json.Marshal(devs)
		if err != nil {
			return desc
		}
		g[key] = raw
	}
	out, err := json.Marshal(groups)
	if err != nil {
		return desc
	}
	return out
}

// scriptFile is the posted script's name in the job's directory and its
// argument (ZeroCloud ran "INTERPRETER [ARGS] script" with the script at
// /script and / as the working directory).
const scriptFile = "script"

// readScript stores the script and writes the one-instance job that runs
// it: ZeroCloud's template, with the object of the URL (if any) as stdin
// and stdout as the reply (text/plain).
func (j *Job) readScript(body io.Reader, size int64) error {
	b, err := readLimited(body, size, MaxScript, "the script")
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(b, []byte("#!")) {
		return refuse(http.StatusBadRequest, "Unsupported Content-Type: the body is not a script (its first line must be #!INTERPRETER), nor a job description (Content-Type: application/json) nor an image (application/x-tar)")
	}
	line, _, ok := bytes.Cut(b, []byte("\n"))
	if !ok {
		return refuse(http.StatusBadRequest, "Cannot find shebang (#!) in script: its first line has no end")
	}
	fields := strings.Fields(strings.TrimSuffix(string(line[2:]), "\r"))
	if len(fields) == 0 {
		return refuse(http.StatusBadRequest, "Bad interpreter: the #! line names none")
	}
	exe, args := fields[0], strings.Join(fields[1:], " ")
	var sysimage string
	switch {
	case strings.HasPrefix(exe, "swift://"):
	case strings.HasPrefix(exe, "file://"):
		img, p, ok := strings.Cut(strings.TrimPrefix(exe, "file://"), ":")
		if !ok || img == "" || p == "" {
			return refuse(http.StatusBadRequest, "Bad interpreter %s: want file://IMAGE:PATH (e.g. file://python2.7:python)", exe)
		}
		if img == "image" {
			return refuse(http.StatusBadRequest, "Must supply image name in shebang url %s", exe)
		}
		sysimage = img
	default:
		return refuse(http.StatusBadRequest, "Bad interpreter %s: the #! line names swift://ACCOUNT/CONTAINER/OBJECT or file://IMAGE:PATH (e.g. #!file://python2.7:python)", exe)
	}
	if args != "" {
		args += " "
	}
	args += scriptFile
	type device struct {
		Name        string `json:"name"`
		Path        string `json:"path,omitempty"`
		ContentType string `json:"content_type,omitempty"`
	}
	var devs []device
	if j.Target.Object != "" {
		devs = append(devs, device{Name: "stdin", Path: "swift://" + j.Target.Account + "/" + j.Target.Container + "/" + j.Target.Object})
	}
	devs = append(devs, device{Name: "stdout", ContentType: "text/plain"})
	if sysimage != "" {
		devs = append(devs, device{Name: sysimage})
	}
	desc, err := json.Marshal([]map[string]any{{
		"name":    "script",
		"exec":    map[string]string{"path": exe, "args": args},
		"devices": devs,
	}})
	if err != nil {
		return fmt.Errorf("write the script's job: %w", err)
	}
	dir, err := os.MkdirTemp("", "zebra-zcgw-*")
	if err != nil {
		return fmt.Errorf("store the posted script: %w", err)
	}
	j.Dir = dir
	if err := os.WriteFile(filepath.Join(dir, scriptFile), b, 0o644); err != nil {
		return fmt.Errorf("store the posted script: %w", err)
	}
	j.Description = desc
	return nil
}
