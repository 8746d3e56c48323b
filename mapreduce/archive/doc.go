// Package archive unpacks archives that come from users (a streaming
// job's -archives, a job's file bundle, a ZeroCloud job's image and
// bundle) without letting them write, or point, outside the directory
// they are unpacked into. Extract reads a tar stream; ExtractZip reads a
// zip file, which is also what a jar is (its manifest is an ordinary
// member: nothing is run or interpreted).
//
// The contract, for both formats:
//
//   - Names must be non-empty, relative, free of NUL and stay inside dir
//     after cleaning (".." may not leave it); "." is the top directory and
//     is skipped. Names are slash-separated: a backslash is an ordinary
//     character of a file name, never a separator.
//   - Nothing is written through a symlink the archive made, no existing
//     file is replaced, and a name appears once (a directory may repeat;
//     with Options.Replace a later regular file replaces an earlier one,
//     as Hadoop's FileUtil.unTar and unZip do).
//   - Options.MaxBytes bounds the regular files' total size, counted from
//     each member's declared size before its data is written, and
//     Options.MaxEntries the number of members; a member whose data is
//     not its declared size is an error.
//   - A regular file gets its archived permission bits masked to 0755,
//     plus owner read and write (Options.Readable adds read for all,
//     Options.ReadOnly clears every write bit); directories are 0755.
//     Owners, modification times and set-id bits are not applied.
//   - A bad archive is an *Error (naming the member at fault, if one is);
//     other errors are the disk's. On any error dir may hold part of the
//     archive: unpack into a fresh directory and remove it on failure.
//
// Per format:
//
//   - tar: members may be directories, regular files and, with
//     Options.Symlinks, symlinks whose targets are relative and, followed
//     the way the kernel would follow them (through the archive's other
//     links, at most 40 hops), stay inside. Hard links, devices, FIFOs
//     (and symlinks without Options.Symlinks) are errors, or skipped with
//     Options.SkipOther. Sparse members are refused (their holes would be
//     written out); PAX and GNU long-name headers are applied, not written.
//   - zip and jar: an entry is a directory (its name ends in "/" or its
//     mode says so) or else a regular file holding the entry's bytes,
//     whatever its mode claims (a Unix symlink entry included), as
//     Hadoop's FileUtil.unZip writes them; so zips make no
//     links and Options.Symlinks and Options.SkipOther do not apply. The
//     sizes counted are the central directory's uncompressed sizes, which
//     archive/zip holds each entry's data to (with its CRC-32). A zip is
//     read from a file, not a stream, as its directory is at its end.
package archive
