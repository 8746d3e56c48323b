// Package zerocloud accepts ZeroCloud job descriptions (the JSON "system
// map" of node groups, see docs/zerocloud.md) and runs them on zebra's
// cluster: Parse reads and validates a description, Compile turns it into
// the jobtracker's plan (kind "zerocloud": wildcard devices expanded by
// listing, output object names derived as ZeroCloud derived them, map
// instances placed beside a replica of their object), and ClusterJob
// rebuilds that plan on a worker as a mapreduce.Job whose map and reduce
// functions run the job's apps with ZeroCloud's channels (/dev/input,
// /dev/in/<src>, /dev/out/<dst>, ...) where the apps expect them.
//
// On the data path it sits beside streaming: a client (zebra submit) or
// the web layer compiles, the jobtracker schedules the plan as any other,
// and a worker's Build calls ClusterJob for plans of this Kind. It imports
// only mapreduce and jobtracker/api; storage and sandboxes are handed in.
package zerocloud
