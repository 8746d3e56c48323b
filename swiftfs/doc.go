// Package swiftfs will be mapreduce.FS and replica locality over OpenStack
// Swift (github.com/ncw/swift/v2): swift:// paths, ranged reads for splits,
// the output commit protocol on objects, and the replica locations that let
// map tasks run on the storage node holding their input. Nothing is
// implemented yet; see the Swift issue.
package swiftfs
