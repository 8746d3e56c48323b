// Package swiftfs is mapreduce.FS and mapreduce.Locator over OpenStack Swift
// (github.com/ncw/swift/v2): swift:// paths, listings and globs, ranged reads
// for splits, outputs written as objects under the Committer's protocol, and
// the replica locations that let map tasks run beside their input.
//
// # Paths
//
// swift://container/path/to/object names an object of the account the
// credentials log in to; swift://AUTH_account/container/path/to/object names
// one of another account (a first component starting with "AUTH_" is an
// account, so a container whose name starts with AUTH_ needs the long form).
// The rest is taken literally: no percent-decoding, so spaces and unicode are
// written as they are. swift://container alone is the container, listed as a
// directory; swift:/// (or swift://AUTH_x/) lists the account's containers.
//
// Inside an FS, names are "/container/object/path" (clean, slash-separated);
// URI turns them back into swift:// URLs.
//
// # Directories
//
// Swift has no directories: a "directory" d is the prefix "d/". Stat(d)
// succeeds when any object has that prefix; List(d) returns the direct
// children (a delimiter "/" listing) in Swift's listing order, which is byte
// order of the UTF-8 names. MkdirAll writes zero-byte marker objects "d/"
// (Content-Type application/directory) for d and each parent below the
// container, creating the container if needed, so an output directory exists
// (as in Hadoop) after SetupJob and after AbortJob even with no part file.
// Markers are never listed as children. A zero-byte object with Content-Type
// application/directory and no trailing slash (as Hadoop's own Swift file
// system writes) is also a directory.
//
// # Reading
//
// Open is a ranged GET through the proxy, streamed from the offset, of the
// newest version: a HEAD with X-Newest (the proxy asks every replica, so one
// that missed an overwrite while its server was down is never read) names
// its ETag, and the GET asks for that one with If-Match, which the proxy
// serves from a single replica that has it. (A GET with X-Newest would have
// every replica send its body until the network's buffers fill, all but one
// thrown away.) SLO and DLO manifests are read through the proxy, which
// follows their segments, with X-Newest.
// A read that breaks mid-stream (a server died) is resumed through the proxy
// at the same offset (bounded retries; for plain objects pinned to the ETag
// by If-Match, so that a concurrent overwrite is an error, not mixed bytes). With Config.LocalNode set, Open first tries
// a direct GET to that object server when it holds a primary replica (its
// URL and headers from list_endpoints), pinned by If-Match to the newest
// ETag that a proxy HEAD with X-Newest reports, so a stale replica is never
// read; any failure (404: no replica, 507, refused: the server is down, 412:
// stale) falls back to the proxy. Stats counts which path each read took.
// The setting zebra.locality=off (mapreduce.KeyLocality) turns direct reads off:
// every read goes through the proxy.
//
// A split's record reader opens with OpenRange (mapreduce.RangeOpener): the
// GET asks for the split's bytes only, and the few it reads past them to
// finish its last record come in further ranged GETs of 16 KiB, doubling up
// to 1 MiB, from the same server and version (If-Match). A GET to the end
// of the object would have Swift send much more than is read: what fills
// the network's buffers before the reader closes.
//
// # Writing
//
// Create buffers what is written (in memory, then in a temporary file) and
// uploads it on Close with one PUT carrying Content-Length, the MD5 as ETag
// (Swift checks it) and If-None-Match: * so that Swift itself refuses to
// overwrite an object that appeared meanwhile (fs.ErrExist). Create first
// checks, with concurrent requests, that neither an object nor a directory
// has the name (fs.ErrExist) and that no parent is an object; MkdirAll
// refuses to make a directory over an object. Objects are limited to Swift's
// single-object size (5 GiB by default); larger part files are not
// segmented.
//
// Rename checks that the destination does not exist (fs.ErrExist), then
// makes a server-side copy (PUT with X-Copy-From; Swift applies If-None-Match
// to a copy's source, so the copy itself cannot be conditional) followed by
// a delete; renaming a directory renames every object under its
// prefix (copies first, then deletes), which is what the Committer needs to
// move attempt directories to task directories and task files to their final
// names. RemoveAll deletes everything under a prefix with bulk delete when the
// proxy offers it, else with concurrent DELETEs.
//
// # Errors and retries
//
// Errors are *mapreduce.Error values whose causes satisfy errors.Is with
// fs.ErrNotExist (404: "swift: container data does not exist", "swift: no
// object in/a.txt (nor any under in/a.txt/) in container data"), fs.ErrPermission (401: "swift: 401 unauthorized: check
// ST_USER/ST_KEY …", 403) and fs.ErrExist (an object that must not exist);
// 413 (too large or over quota) and 507 (insufficient storage) get their own
// messages. 5xx answers (except 501 and 507), 408, 429, 498 and connection
// errors are retried with exponential backoff (Config.Retries attempts,
// from Config.RetryWait doubling up to 5 s), and every call honours its ctx.
//
// # Credentials (see Config.Settings for the -D names)
//
// Tempauth / v1: ST_AUTH, ST_USER, ST_KEY. Keystone v3: OS_AUTH_URL,
// OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME, OS_USER_DOMAIN_NAME,
// OS_PROJECT_DOMAIN_NAME (and OS_REGION_NAME); ST_AUTH_VERSION forces a
// version. A pre-authenticated OS_STORAGE_URL with OS_AUTH_TOKEN skips the
// login. ST_AUTH wins over OS_AUTH_URL when both are set.
//
// # Locality
//
// Locate asks the proxy's list_endpoints middleware
// (GET <proxy>/endpoints/v2/<account>/<container>/<object>, no token) where
// the object's primary replicas are and returns their object servers as
// "host:port", in ring order; answers are cached for Config.EndpointsTTL.
// For an SLO or DLO it names the manifest's servers (the segments may live
// elsewhere).
package swiftfs
