package swiftfs

// ImplicitDirs implements mapreduce.ImplicitDirs: a Swift "directory" is a
// prefix of object names; it needs no marker object to hold files.
func (f *FS) ImplicitDirs() bool { return true }
